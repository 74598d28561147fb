"""What a commons' pool holds for a period, read from the journal.

The pool of a run for period P is everything that reached ``pool:<commons>`` (payments net
of fees, less refunds and lost disputes) in transactions recorded before the end of P,
less everything payout runs already took out of it (whenever they ran). What earlier runs
carried over was never taken out, so it is in the next period's pool: what nobody could
take is shared again, and what was below a commoner's minimum payout is set aside for
them (:mod:`service.payouts.carry`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import LedgerEntry, LedgerTransaction
from service.ledger.journal import AccountKind, account
from service.payouts.entries import PAYOUT_KINDS

__all__ = ["pool_minor", "start_of"]


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of ``day``."""
    return datetime.combine(day, time(0), tzinfo=UTC)


async def pool_minor(
    session: AsyncSession, commons_id: str, currency: str, *, before: datetime
) -> int:
    """The amount (minor units, >= 0) the pool has to share: inflows recorded before
    ``before`` less every payout taken out of it."""
    pool = account(AccountKind.POOL, commons_id)
    base = (
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account == pool, LedgerEntry.currency == currency)
    )
    inflow = await session.scalar(
        base.where(
            LedgerTransaction.kind.not_in(sorted(PAYOUT_KINDS)),
            LedgerTransaction.created_at < before,
        )
    )
    taken = await session.scalar(base.where(LedgerTransaction.kind.in_(sorted(PAYOUT_KINDS))))
    # credits (money in) are negative, payouts are debits (positive)
    return max(0, -int(inflow or 0) - int(taken or 0))
