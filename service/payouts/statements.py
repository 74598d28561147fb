"""A commoner's statements: per period and commons, the score, the contributions that
earned it, the amount and its status (with ``settled``: a paid line's transfer is made,
not only recorded as owed by the manual provider). Only the commoner's own lines: those of runs that
credited them (through a verified claim), and those held for an email they verified.

Newest period first, then by commons name and identity, in the database's own order (its
collation), so that :func:`statements_of` (the dashboard's whole list) and the pages of
:func:`statements_page` (``GET /v1/me/statements``) agree. A page's cursor is the id of its
last line: the next page resolves that line's sort key, so it stays exact when later
periods are added, and only the commoner's own lines are accepted as cursors."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Commons, LedgerTransaction, PayoutLine, PayoutLineStatus, PayoutRun
from service.db.pagination import CursorError, Page, decode_cursor
from service.payouts import entries
from service.payouts.claims import verified_emails

__all__ = ["Statement", "statements_of", "statements_page"]


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


async def _owned(session: AsyncSession, commoner_id: uuid.UUID) -> ColumnElement[bool]:
    """The commoner's lines: credited to them, or held for an email they verified."""
    emails = await verified_emails(session, commoner_id)
    mine = PayoutLine.commoner_id == commoner_id
    if not emails:
        return mine
    return or_(mine, PayoutLine.commoner_id.is_(None) & PayoutLine.identity.in_(emails))


_Line = Row[PayoutLine, str, uuid.UUID, str]  # a line, its period, commons id and name


def _lines(owned: ColumnElement[bool]) -> Select[PayoutLine, str, uuid.UUID, str]:
    return (
        select(PayoutLine, PayoutRun.period, Commons.id, Commons.name)
        .join(PayoutRun, PayoutRun.id == PayoutLine.run_id)
        .join(Commons, Commons.id == PayoutRun.commons_id)
        .where(owned)
        .order_by(PayoutRun.period.desc(), Commons.name, PayoutLine.identity, PayoutLine.id)
    )


async def _after(
    session: AsyncSession, owned: ColumnElement[bool], cursor: str | None
) -> ColumnElement[bool] | None:
    """The lines that sort after the cursor's line (None: from the first). A cursor that is
    not one of the commoner's lines is refused the same way whether or not the line exists,
    so that a cursor says nothing about another commoner."""
    after = decode_cursor(cursor)
    if after is None:
        return None
    found = (
        await session.execute(
            select(PayoutRun.period, Commons.name, PayoutLine.identity)
            .join(PayoutRun, PayoutRun.id == PayoutLine.run_id)
            .join(Commons, Commons.id == PayoutRun.commons_id)
            .where(owned, PayoutLine.id == after)
        )
    ).first()
    if found is None:
        raise CursorError(
            f"not a cursor of your statements: {cursor!r}; pass the 'next' value of the "
            "previous page, or no cursor for the first page"
        )
    period, name, identity = found
    return or_(
        PayoutRun.period < period,
        and_(
            PayoutRun.period == period,
            or_(
                Commons.name > name,
                and_(
                    Commons.name == name,
                    or_(
                        PayoutLine.identity > identity,
                        and_(PayoutLine.identity == identity, PayoutLine.id > after),
                    ),
                ),
            ),
        ),
    )


async def _statements(session: AsyncSession, found: list[_Line]) -> list[Statement]:
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
    return [
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


async def statements_of(session: AsyncSession, commoner_id: uuid.UUID) -> list[Statement]:
    """Every statement of the commoner: newest period first, then by commons name."""
    owned = await _owned(session, commoner_id)
    rows = (await session.execute(_lines(owned))).all()
    return await _statements(session, list(rows))


async def statements_page(
    session: AsyncSession, commoner_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[Statement]:
    """A page of :func:`statements_of`, after the line named by ``cursor`` (raises
    :class:`CursorError` for a cursor that is not one of the commoner's lines)."""
    owned = await _owned(session, commoner_id)
    query = _lines(owned)
    after = await _after(session, owned, cursor)
    if after is not None:
        query = query.where(after)
    rows = list((await session.execute(query.limit(limit + 1))).all())
    more = len(rows) > limit
    found = rows[:limit]
    next_cursor = str(found[-1][0].id) if more and found else None
    return Page(items=await _statements(session, found), next_cursor=next_cursor)
