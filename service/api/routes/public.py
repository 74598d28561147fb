"""``GET /v1/commons/{id}/ledger``: a commons' public ledger, without authentication.

Inflows by company (unless the company chose to be anonymous), the foundation's share,
outflows by commoner alias, and totals that are the journal's to the minor unit
(:mod:`service.payouts.public`). The entries come in pages (``limit``, ``cursor``); the
totals on every page are those of the whole ledger.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from pydantic import BaseModel, Field

from service.api.deps import SessionDep
from service.api.errors import ApiError, ErrorResponse
from service.api.pagination import PageParamsDep
from service.db.models import Commons
from service.db.pagination import CursorError
from service.payouts.public import ledger_page, public_ledger

router = APIRouter(prefix="/v1/commons", tags=["public"])


class InflowPublic(BaseModel):
    company: str = Field(description="The company's name, or `anonymous company`.")
    currency: str
    amount_minor: int = Field(description="What reached the pool, net of processor fees.")


class AdjustmentPublic(BaseModel):
    kind: str = Field(
        description="The journal's kind: `refund`, `dispute` (funds withdrawn) or "
        "`dispute_won` (returned); net per kind and currency."
    )
    currency: str
    amount_minor: int


class FoundationSharePublic(BaseModel):
    period: str
    currency: str
    amount_minor: int


class OutflowPublic(BaseModel):
    period: str
    alias: str = Field(description="The commoner's alias, or `a former commoner`.")
    currency: str
    amount_minor: int


class LedgerTotalsPublic(BaseModel):
    """One currency's totals over the whole ledger: ``collected = to_foundation +
    foundation_share + paid + payable + unclaimed + pool`` to the minor unit."""

    currency: str
    collected_minor: int
    to_foundation_minor: int
    foundation_share_minor: int
    paid_minor: int
    payable_minor: int
    unclaimed_minor: int
    pool_minor: int


class PublicLedgerPublic(BaseModel):
    """A page of a commons' public ledger. The entries are paginated: the four lists
    together hold at most `limit` entries, inflows first, then adjustments, the foundation
    share and outflows; `next` is the cursor of the following page (null: the last).
    `totals` are over the WHOLE ledger on every page (not only this page's entries), and
    match the journal to the minor unit."""

    commons_id: str
    commons_name: str
    inflows: list[InflowPublic] = Field(description="This page's inflows, by company.")
    adjustments: list[AdjustmentPublic] = Field(
        description="This page's refunds and lost disputes."
    )
    foundation_share: list[FoundationSharePublic] = Field(
        description="This page's foundation share, by period."
    )
    outflows: list[OutflowPublic] = Field(
        description="This page's transfers to commoners, by period and alias."
    )
    totals: list[LedgerTotalsPublic] = Field(
        description="Per currency, over the whole ledger (the same on every page)."
    )
    next: str | None = Field(
        default=None, description="The cursor of the following page; null on the last."
    )


@router.get(
    "/{commons_id}/ledger",
    response_model=PublicLedgerPublic,
    responses={
        404: {"model": ErrorResponse, "description": "No such commons."},
        422: {"model": ErrorResponse, "description": "Invalid input; `field` names it."},
    },
)
async def get_public_ledger(
    commons_id: uuid.UUID, session: SessionDep, page: PageParamsDep
) -> PublicLedgerPublic:
    """A page of the commons' public ledger, with the totals of the whole ledger."""
    commons = await session.get(Commons, commons_id)
    if commons is None:
        raise ApiError(404, "not_found", f"no commons with id {commons_id}", "commons_id")
    ledger = await public_ledger(session, commons)
    try:
        part, next_cursor = ledger_page(ledger, limit=page.limit, cursor=page.cursor)
    except CursorError as exc:
        raise ApiError(422, "invalid_cursor", str(exc), "cursor") from None
    return PublicLedgerPublic.model_validate({**part.to_dict(), "next": next_cursor})
