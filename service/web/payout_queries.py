"""What the payout and billing-run pages read that :mod:`service.payouts` and
:mod:`service.billing` have no query function for; every query scoped to its tenant
(read-only). A commoner reads their own claims and payout account; a foundation the payout
runs of its own commons and its own billing runs. Another tenant's row is None (a 404 page).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Commons, IdentityClaim, PayoutAccount, PayoutLine, PayoutRun
from service.db.models.ledger import BillingRun

__all__ = [
    "RunRow",
    "billing_runs",
    "commoner_claims",
    "foundation_payout_run",
    "foundation_payout_runs",
    "payout_account",
    "run_lines",
]

LIST_LIMIT = 200


@dataclass(frozen=True, slots=True)
class RunRow:
    """A payout run and the name of its commons."""

    run: PayoutRun
    commons_id: uuid.UUID
    commons: str


async def commoner_claims(session: AsyncSession, commoner_id: uuid.UUID) -> list[IdentityClaim]:
    """The commoner's claims, oldest first (as ``GET /v1/me/claims``)."""
    rows = await session.scalars(
        select(IdentityClaim)
        .where(IdentityClaim.commoner_id == commoner_id)
        .order_by(IdentityClaim.created_at, IdentityClaim.id)
        .limit(LIST_LIMIT)
    )
    return list(rows)


async def payout_account(session: AsyncSession, commoner_id: uuid.UUID) -> PayoutAccount | None:
    return await session.get(PayoutAccount, commoner_id)


def _runs_query(foundation_id: uuid.UUID) -> Select[PayoutRun, uuid.UUID, str]:
    return (
        select(PayoutRun, Commons.id, Commons.name)
        .join(Commons, Commons.id == PayoutRun.commons_id)
        .where(Commons.organisation_id == foundation_id)
    )


async def foundation_payout_runs(
    session: AsyncSession, foundation_id: uuid.UUID, commons_id: uuid.UUID | None = None
) -> list[RunRow]:
    """The payout runs of the foundation's commons (one commons when given), newest
    period first."""
    query = _runs_query(foundation_id)
    if commons_id is not None:
        query = query.where(PayoutRun.commons_id == commons_id)
    rows = await session.execute(
        query.order_by(PayoutRun.period.desc(), Commons.name, PayoutRun.id).limit(LIST_LIMIT)
    )
    return [RunRow(run, commons_id, name) for run, commons_id, name in rows.all()]


async def foundation_payout_run(
    session: AsyncSession, foundation_id: uuid.UUID, run_id: uuid.UUID
) -> RunRow | None:
    row = (
        await session.execute(_runs_query(foundation_id).where(PayoutRun.id == run_id))
    ).one_or_none()
    return None if row is None else RunRow(row[0], row[1], row[2])


async def run_lines(session: AsyncSession, run_id: uuid.UUID) -> list[PayoutLine]:
    """A run's lines, largest amount first (call only with a run already scoped)."""
    rows = await session.scalars(
        select(PayoutLine)
        .where(PayoutLine.run_id == run_id)
        .order_by(PayoutLine.amount_minor.desc(), PayoutLine.identity)
    )
    return list(rows)


async def billing_runs(session: AsyncSession, foundation_id: uuid.UUID) -> list[BillingRun]:
    """The foundation's billing runs, newest first."""
    rows = await session.scalars(
        select(BillingRun)
        .where(BillingRun.organisation_id == foundation_id)
        .order_by(BillingRun.created_at.desc(), BillingRun.id.desc())
        .limit(LIST_LIMIT)
    )
    return list(rows)
