"""``GET /v1/commons/{id}/ledger``: a commons' public ledger, without authentication.

Inflows by company (unless the company chose to be anonymous), the foundation's share,
outflows by commoner alias, and totals that are the journal's to the minor unit
(:mod:`service.payouts.public`).
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from service.api.deps import SessionDep
from service.api.errors import ApiError, ErrorResponse
from service.db.models import Commons
from service.payouts.public import public_ledger

router = APIRouter(prefix="/v1/commons", tags=["public"])


class PublicLedgerPublic(BaseModel):
    commons_id: str
    commons_name: str
    inflows: list[dict[str, Any]]
    adjustments: list[dict[str, Any]]
    foundation_share: list[dict[str, Any]]
    outflows: list[dict[str, Any]]
    totals: list[dict[str, Any]]


@router.get(
    "/{commons_id}/ledger",
    response_model=PublicLedgerPublic,
    responses={404: {"model": ErrorResponse, "description": "No such commons."}},
)
async def get_public_ledger(commons_id: uuid.UUID, session: SessionDep) -> PublicLedgerPublic:
    commons = await session.get(Commons, commons_id)
    if commons is None:
        raise ApiError(404, "not_found", f"no commons with id {commons_id}", "commons_id")
    ledger = await public_ledger(session, commons)
    return PublicLedgerPublic(**ledger.to_dict())
