"""``GET /healthz``: the process answers and its database does too (no key needed)."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from sqlalchemy.exc import SQLAlchemyError

from service.api.deps import SessionDep
from service.api.errors import ApiError, ErrorResponse
from service.api.schemas import HealthPublic
from service.db.health import ping

router = APIRouter(tags=["health"])
logger = logging.getLogger("copyfair.api")


@router.get(
    "/healthz",
    response_model=HealthPublic,
    responses={503: {"model": ErrorResponse, "description": "The database does not answer."}},
)
async def healthz(session: SessionDep) -> HealthPublic:
    try:
        await ping(session)
    except (SQLAlchemyError, OSError) as exc:
        logger.warning("health check: database unavailable: %s", exc)
        raise ApiError(
            503, "database_unavailable", "the database does not answer; see the server log"
        ) from None
    return HealthPublic(status="ok", database="ok")
