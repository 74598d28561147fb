"""Writing and reading the journal in the database.

:func:`post` is the only writer: it inserts a checked :class:`~service.ledger.journal.Transaction`
once per ``reference`` (a second post of the same reference is a no-op), and never updates
or deletes (the models refuse it). :func:`balances` and :func:`check` read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import LedgerEntry, LedgerTransaction
from service.ledger.journal import Transaction, balanced

__all__ = ["Balance", "Imbalance", "balances", "check", "post", "recorded"]


async def post(
    session: AsyncSession, transaction: Transaction, *, at: datetime | None = None
) -> bool:
    """Record ``transaction`` (re-checked here) unless its reference is already recorded.
    Returns True when written. Flushes, does not commit: the caller's unit of work decides.
    ``at`` dates it (default: now); tests and imports of past facts use it."""
    checked = balanced(transaction.kind, transaction.reference, transaction.postings)
    found = await session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.reference == checked.reference)
    )
    if found is not None:
        return False
    row = LedgerTransaction(kind=checked.kind, reference=checked.reference)
    if at is not None:
        row.created_at = at
    session.add(row)
    await session.flush()
    session.add_all(
        LedgerEntry(
            transaction_id=row.id,
            account=p.account,
            currency=p.currency,
            amount_minor=p.amount_minor,
            commons_id=p.commons_id,
        )
        for p in checked.postings
    )
    await session.flush()
    return True


@dataclass(frozen=True, slots=True)
class Balance:
    account: str
    currency: str
    amount_minor: int
    commons_id: str | None


async def balances(
    session: AsyncSession, commons_ids: frozenset[str] | None = None
) -> list[Balance]:
    """The balance of every account and currency (non-zero or not), optionally only the
    postings about the given commons."""
    query = select(
        LedgerEntry.account,
        LedgerEntry.currency,
        LedgerEntry.commons_id,
        func.sum(LedgerEntry.amount_minor),
    ).group_by(LedgerEntry.account, LedgerEntry.currency, LedgerEntry.commons_id)
    if commons_ids is not None:
        query = query.where(LedgerEntry.commons_id.in_(sorted(commons_ids)))
    rows = (await session.execute(query)).all()
    out = [Balance(a, c, int(total), commons) for a, c, commons, total in rows]
    return sorted(out, key=lambda b: (b.account, b.currency))


@dataclass(frozen=True, slots=True)
class Imbalance:
    reference: str
    currency: str
    sum_minor: int


async def check(session: AsyncSession) -> list[Imbalance]:
    """Every (transaction, currency) whose entries do not sum to zero, and every transaction
    without entries (sum reported as 0, currency ``-``). Empty: the journal balances."""
    sums = (
        await session.execute(
            select(
                LedgerTransaction.reference,
                LedgerEntry.currency,
                func.sum(LedgerEntry.amount_minor),
            )
            .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
            .group_by(LedgerTransaction.reference, LedgerEntry.currency)
            .having(func.sum(LedgerEntry.amount_minor) != 0)
        )
    ).all()
    problems = [Imbalance(ref, cur, int(total)) for ref, cur, total in sums]
    empty = await session.scalars(
        select(LedgerTransaction.reference).where(
            ~select(LedgerEntry.id)
            .where(LedgerEntry.transaction_id == LedgerTransaction.id)
            .exists()
        )
    )
    problems.extend(Imbalance(ref, "-", 0) for ref in empty)
    return sorted(problems, key=lambda p: (p.reference, p.currency))


async def recorded(session: AsyncSession, reference: str) -> bool:
    """Whether a transaction with this reference is in the journal."""
    found = await session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.reference == reference)
    )
    return found is not None
