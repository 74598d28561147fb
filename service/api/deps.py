"""Dependencies as annotated aliases: ``SessionDep``, ``CurrentPrincipal``, ``FoundationDep``.

One database session per request, committed when the route returns without error and
rolled back otherwise, before the response is sent (``scope="function"``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.api.errors import ApiError
from service.db.accounts import Principal, authenticate
from service.db.models import Role
from service.settings import Settings

__all__ = [
    "CommonerDep",
    "CompanyDep",
    "CurrentPrincipal",
    "FoundationDep",
    "Services",
    "SessionDep",
    "require_role",
    "services",
]


@dataclass(frozen=True, slots=True)
class Services:
    """What ``create_app`` builds once and every request shares (``app.state.services``)."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with services(request).sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            await session.commit()


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]

_bearer = HTTPBearer(
    auto_error=False,
    description="An API key: `Authorization: Bearer cf_...` (see `copyfair admin create-key`).",
)
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


async def current_principal(
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise ApiError(
            401,
            "missing_api_key",
            "this endpoint needs an API key: send the header 'Authorization: Bearer <key>'",
            "Authorization",
            _CHALLENGE,
        )
    principal = await authenticate(session, credentials.credentials)
    if principal is None:
        raise ApiError(
            401,
            "invalid_api_key",
            "the API key is unknown, malformed or revoked: check it, or ask for a new one "
            "(copyfair admin create-key)",
            "Authorization",
            _CHALLENGE,
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: Role) -> object:
    allowed = ", ".join(r.value for r in roles)

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in roles:
            raise ApiError(
                403,
                "forbidden",
                f"this endpoint is for keys with role {allowed}; "
                f"this key has role {principal.role.value}",
            )
        return principal

    return Depends(check)


FoundationDep = Annotated[Principal, require_role(Role.FOUNDATION)]
CompanyDep = Annotated[Principal, require_role(Role.COMPANY)]
CommonerDep = Annotated[Principal, require_role(Role.COMMONER)]
