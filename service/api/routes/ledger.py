"""``GET /v1/ledger/balances``: the journal's balances for the foundation's commons.

A foundation sees the accounts of its own commons only: each commons' pool (money
received, net of fees), what is billed and not yet paid, and every account balance with a
posting about one of its commons. Amounts are integer minor units; a credit balance (what
the pool holds for the commons) is shown as a positive ``pool_minor``.
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter
from pydantic import BaseModel

from service.api.deps import FoundationDep, SessionDep
from service.api.errors import ErrorResponse
from service.db.commons import commons_ids_of
from service.ledger.journal import AccountKind
from service.ledger.store import balances

__all__ = ["AccountBalance", "CommonsBalance", "LedgerBalances", "router"]

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])


class AccountBalance(BaseModel):
    account: str
    currency: str
    amount_minor: int
    commons_id: str | None


class CommonsBalance(BaseModel):
    commons_id: str
    currency: str
    pool_minor: int
    billed_unpaid_minor: int


class LedgerBalances(BaseModel):
    accounts: list[AccountBalance]
    commons: list[CommonsBalance]


@router.get(
    "/balances",
    response_model=LedgerBalances,
    responses={
        401: {"model": ErrorResponse, "description": "No key, or an invalid one."},
        403: {"model": ErrorResponse, "description": "The key's role is not foundation."},
    },
)
async def ledger_balances(principal: FoundationDep, session: SessionDep) -> LedgerBalances:
    rows = await balances(session, await commons_ids_of(session, principal.owner_id))
    per: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        if row.commons_id is None:
            continue
        if row.account.startswith(f"{AccountKind.POOL.value}:"):
            per[(row.commons_id, row.currency)][0] -= row.amount_minor
        elif row.account.startswith(f"{AccountKind.BILLED.value}:"):
            per[(row.commons_id, row.currency)][1] -= row.amount_minor
    return LedgerBalances(
        accounts=[
            AccountBalance(
                account=r.account,
                currency=r.currency,
                amount_minor=r.amount_minor,
                commons_id=r.commons_id,
            )
            for r in rows
        ],
        commons=[
            CommonsBalance(commons_id=c, currency=cur, pool_minor=v[0], billed_unpaid_minor=v[1])
            for (c, cur), v in sorted(per.items())
        ],
    )
