"""``/`` (to the viewer's pages), ``/login`` (an API key becomes a session), and
``/logout``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from service.api.deps import SessionDep
from service.web.auth import apply_session, checked_form, find_viewer, log_in, log_out
from service.web.errors import safe_next
from service.web.render import render

router = APIRouter(include_in_schema=False)

_KEY_FIELD = "api_key"


def _redirect(request: Request, to: str) -> Response:
    return apply_session(request, RedirectResponse(to, status_code=303))


@router.get("/")
async def home(request: Request, session: SessionDep) -> Response:
    viewer = await find_viewer(request, session)
    return _redirect(request, viewer.home if viewer is not None else "/login")


@router.get("/login")
async def login_page(request: Request, session: SessionDep) -> Response:
    viewer = await find_viewer(request, session)
    if viewer is not None:
        return _redirect(request, viewer.home)
    notice = None
    if request.query_params.get("reason") == "expired":
        notice = "Your session ended (it expired or its key was revoked): log in again."
    return render(
        request,
        "login.html",
        {
            "title": "Log in",
            "error": None,
            "notice": notice,
            "next": safe_next(request.query_params.get("next")) or "",
        },
    )


@router.post("/login")
async def login_submit(request: Request, session: SessionDep) -> Response:
    form = await checked_form(request)
    token = form.get(_KEY_FIELD)
    target = safe_next(form.get("next"))
    error = None
    if not isinstance(token, str) or not token.strip():
        error = "API key: this field is required. Paste the key you were given (cf_…)."
    else:
        viewer = await log_in(request, session, token)
        if viewer is not None:
            return _redirect(request, target or viewer.home)
        error = (
            "API key: this key is unknown, malformed or revoked. Check that you pasted all "
            "of it (it reads cf_…_…), or ask your administrator for a new one."
        )
    return render(
        request,
        "login.html",
        {"title": "Log in", "error": error, "notice": None, "next": target or ""},
        status=422,
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    await checked_form(request)
    log_out(request)
    return _redirect(request, "/login")
