"""Who is looking at a page: the session cookie, re-checked against the database on every
request (a revoked key logs its sessions out at once), and the role a page needs.

Logging in takes an API key once (:func:`log_in`), checks it like the API does
(:func:`service.db.accounts.authenticate`) and keeps only the key's id in the signed cookie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from service.api.deps import SessionDep, services
from service.db.accounts import Principal, authenticate
from service.db.models import ApiKey, Commoner, Organisation, Role
from service.settings import Environment
from service.web.errors import LoginRequired, PageError
from service.web.session import (
    COOKIE_NAME,
    CSRF_FIELD,
    SESSION_MAX_AGE,
    SessionData,
    SessionSigner,
    csrf_matches,
    new_session,
)

__all__ = [
    "AnyViewer",
    "CommonerViewer",
    "CompanyViewer",
    "FoundationViewer",
    "Viewer",
    "apply_session",
    "checked_form",
    "find_viewer",
    "log_in",
    "log_out",
    "web_session",
]

HOME_OF_ROLE = {
    Role.FOUNDATION: "/foundation",
    Role.COMPANY: "/company",
    Role.COMMONER: "/commoner",
}


@dataclass(frozen=True, slots=True)
class Viewer:
    """The logged-in principal and the name of its owner (organisation or commoner)."""

    principal: Principal
    name: str

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def home(self) -> str:
        return HOME_OF_ROLE[self.role]


def _signer(request: Request) -> SessionSigner:
    state = request.app.state
    signer: SessionSigner | None = getattr(state, "web_signer", None)
    if signer is None:
        signer = SessionSigner(services(request).settings.secret_key, SESSION_MAX_AGE)
        state.web_signer = signer
    return signer


def web_session(request: Request) -> SessionData:
    """This request's session: from the cookie, or a new one (sent back with the page)."""
    found: SessionData | None = getattr(request.state, "web_session", None)
    if found is not None:
        return found
    data = _signer(request).loads(request.cookies.get(COOKIE_NAME))
    if data is None:
        data = new_session()
        request.state.web_session_dirty = True
    request.state.web_session = data
    return data


def _replace_session(request: Request, data: SessionData) -> None:
    request.state.web_session = data
    request.state.web_session_dirty = True


def apply_session(request: Request, response: Response) -> Response:
    """Send the session cookie when it is new or changed: HttpOnly, SameSite=Lax, Secure
    unless the server runs in development."""
    if getattr(request.state, "web_session_dirty", False):
        settings = services(request).settings
        response.set_cookie(
            COOKIE_NAME,
            _signer(request).dumps(web_session(request)),
            max_age=SESSION_MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=settings.env is not Environment.DEVELOPMENT,
        )
    return response


async def _owner_name(session: SessionDep, key: ApiKey) -> str:
    if key.organisation_id is not None:
        org = await session.get(Organisation, key.organisation_id)
        return org.name if org is not None else ""
    person = await session.get(Commoner, key.commoner_id) if key.commoner_id else None
    return person.name if person is not None else ""


async def find_viewer(request: Request, session: SessionDep) -> Viewer | None:
    """The logged-in viewer, or None. A session whose key is gone or revoked is dropped."""
    data = web_session(request)
    if data.key_id is None:
        return None
    key = await session.get(ApiKey, data.key_id)
    if key is None or key.revoked_at is not None:
        _replace_session(request, new_session())
        request.state.web_login_lost = True
        return None
    viewer = Viewer(
        Principal(key.id, Role(key.role), key.organisation_id, key.commoner_id),
        await _owner_name(session, key),
    )
    request.state.viewer = viewer
    return viewer


async def current_viewer(request: Request, session: SessionDep) -> Viewer:
    viewer = await find_viewer(request, session)
    if viewer is None:
        lost = bool(getattr(request.state, "web_login_lost", False))
        raise LoginRequired("the session's key was revoked" if lost else None)
    return viewer


def _role(role: Role) -> object:
    async def check(viewer: Annotated[Viewer, Depends(current_viewer)]) -> Viewer:
        if viewer.role is not role:
            raise PageError(
                403,
                "Not for this account",
                f"This page is for {role.value} accounts; you are logged in as a "
                f"{viewer.role.value}. Your pages start at {viewer.home}.",
            )
        return viewer

    return Depends(check)


AnyViewer = Annotated[Viewer, Depends(current_viewer)]
FoundationViewer = Annotated[Viewer, _role(Role.FOUNDATION)]
CompanyViewer = Annotated[Viewer, _role(Role.COMPANY)]
CommonerViewer = Annotated[Viewer, _role(Role.COMMONER)]


async def checked_form(request: Request) -> FormData:
    """The submitted form, once its CSRF token is checked against the session's."""
    try:
        form = await request.form(max_files=0, max_fields=20)
    except Exception:  # noqa: BLE001 - malformed bodies of any kind: the form is unreadable
        raise PageError(
            400,
            "Form not readable",
            "The form could not be read. Reload the page and submit it again.",
        ) from None
    if not csrf_matches(web_session(request), form.get(CSRF_FIELD)):
        raise PageError(
            403,
            "Form expired",
            "This form's security token (csrf_token) is missing or does not match your "
            "session, which happens when the form is old or comes from another site. Reload "
            "the page and submit it again.",
        )
    return form


async def log_in(request: Request, session: SessionDep, token: str) -> Viewer | None:
    """Check ``token`` (an API key) and, when valid, start a new logged-in session."""
    principal = await authenticate(session, token.strip())
    if principal is None:
        return None
    _replace_session(request, new_session(principal.key_id))
    return await find_viewer(request, session)


def log_out(request: Request) -> None:
    _replace_session(request, new_session())
