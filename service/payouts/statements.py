"""A commoner's statements: per period and commons, the score, the contributions that
earned it, the amount and its status (with ``settled``: a paid line's transfer is made,
not only recorded as owed by the manual provider). Only the commoner's own lines: those of runs that
credited them (through a verified claim), and those held for an email they verified."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Commons, LedgerTransaction, PayoutLine, PayoutLineStatus, PayoutRun
from service.payouts import entries
from service.payouts.claims import verified_emails

__all__ = ["Statement", "statements_of"]


@dataclass(frozen=True, slots=True)
class Statement:
    commons_id: str
    commons_name: str
    period: str
    identity: str
    score: str
    measures: dict[str, Any]
    contributions: list[dict[str, Any]]
    amount_minor: int
    carried_in_minor: int  # part of amount_minor carried from earlier periods
    carried_forward: bool  # a carried amount since added to a later statement
    currency: str
    status: str
    transfer: str | None
    paid_at: datetime | None
    settled: bool = False  # a paid line's transfer is made (not only recorded as owed)


async def statements_of(session: AsyncSession, commoner_id: uuid.UUID) -> list[Statement]:
    """Newest period first, then by commons name."""
    emails = await verified_emails(session, commoner_id)
    mine = PayoutLine.commoner_id == commoner_id
    condition = (
        or_(mine, PayoutLine.commoner_id.is_(None) & PayoutLine.identity.in_(emails))
        if emails
        else mine
    )
    rows = await session.execute(
        select(PayoutLine, PayoutRun.period, Commons.id, Commons.name)
        .join(PayoutRun, PayoutRun.id == PayoutLine.run_id)
        .join(Commons, Commons.id == PayoutRun.commons_id)
        .where(condition)
    )
    found = rows.all()
    references = [
        entries.settled_reference(line.idempotency_key)
        for line, *_ in found
        if line.status == PayoutLineStatus.PAID.value
    ]
    settled = (
        set(
            await session.scalars(
                select(LedgerTransaction.reference).where(
                    LedgerTransaction.reference.in_(references)
                )
            )
        )
        if references
        else set()
    )
    out = [
        Statement(
            commons_id=str(commons_id),
            commons_name=name,
            period=period,
            identity=line.identity,
            score=line.score,
            measures=dict(line.measures),
            contributions=list(line.contributions),
            amount_minor=line.amount_minor,
            carried_in_minor=line.carried_in_minor,
            carried_forward=line.carried_into is not None,
            currency=line.currency,
            status=line.status,
            transfer=line.external_id,
            paid_at=line.paid_at,
            settled=entries.settled_reference(line.idempotency_key) in settled,
        )
        for line, period, commons_id, name in found
    ]
    out.sort(key=lambda s: (s.commons_name, s.identity))
    out.sort(key=lambda s: s.period, reverse=True)
    return out
