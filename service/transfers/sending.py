"""The life of a row shared by foundation transfers and their reversals: planned with its
ledger entry (:func:`add_planned`), sent by one loop (:func:`send_pending`), or, when the
manual provider recorded it as owed, marked done by hand (:func:`mark_by_hand`).

In the loop every pending row is asked of the provider, then recorded with a compare-and-set
from ``pending``.

The provider is called outside any database transaction, with an idempotency key derived
from our ids; what it made is then recorded on the row, with the ledger entry when money
moved, in one transaction. A crash between the provider's answer and that commit leaves the
row pending, and the next run sends the same request, which the provider answers with what
it made the first time. Two runs at once record each row once: the second compare-and-set
finds it no longer pending.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.base import utcnow
from service.db.models.ledger import FoundationTransfer, TransferReversal, TransferStatus
from service.ledger.journal import Transaction
from service.ledger.store import post
from service.transfers.interface import TransferError
from service.transfers.manual import ManualProvider

__all__ = ["Send", "add_planned", "mark_by_hand", "record_made", "send_pending"]

Row = TypeVar("Row", FoundationTransfer, TransferReversal)


@dataclass(frozen=True, slots=True)
class Send:
    """What to ask of a provider for one row: its kind (recorded on the row), and the
    idempotent call that returns the provider's id of what it made."""

    kind: str
    call: Callable[[], str]


async def add_planned(
    session: AsyncSession, row: Row, planned_entry: Callable[[Row], Transaction]
) -> None:
    """Add a planned row and post its ledger entry, in the caller's unit of work. The row is
    flushed first: the entry's reference may name the row's id."""
    session.add(row)
    await session.flush()
    await post(session, planned_entry(row))


async def mark_by_hand(
    session: AsyncSession,
    row: Row,
    reference: str,
    made_entry: Callable[[Row], Transaction],
    *,
    noun: str,
    deed: str,
) -> bool:
    """A row the manual provider recorded as owed was done by hand (a transfer made, a
    reversal received): marked sent under the operator's ``reference``, with the ledger
    entry of the money moved, as :func:`record_made` records what a provider made. False
    when it was marked already; raises TransferError for a row still pending, naming it as
    ``noun`` and what could not be done as ``deed`` (flushes; the caller commits)."""
    if row.status == TransferStatus.SENT.value:
        return False
    if row.status != TransferStatus.MANUAL.value:
        raise TransferError(
            f"{noun} {row.id} is {row.status}, not one to {deed} by hand: run "
            "copyfair billing transfer"
        )
    row.status = TransferStatus.SENT.value
    row.external_id = reference
    row.sent_at = utcnow()
    await post(session, made_entry(row))
    await session.flush()
    return True


async def record_made(
    sessions: async_sessionmaker[AsyncSession],
    model: type[Row],
    key: uuid.UUID,
    kind: str,
    external_id: str,
    made_entry: Callable[[Row], Transaction],
) -> TransferStatus | None:
    """Record what the provider made on its row (a compare-and-set from ``pending``) and the
    ledger entry when money moved, in one transaction. None when another process recorded
    it first."""
    status = TransferStatus.MANUAL if kind == ManualProvider.kind else TransferStatus.SENT
    async with sessions() as session:
        result = await session.execute(
            update(model)
            .where(model.id == key, model.status == TransferStatus.PENDING.value)
            .values(status=status.value, external_id=external_id, provider=kind, sent_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            await session.rollback()
            return None
        if status is TransferStatus.SENT:
            row = await session.get(model, key)
            assert row is not None
            await post(session, made_entry(row))
        await session.commit()
    return status


async def send_pending(
    sessions: async_sessionmaker[AsyncSession],
    model: type[Row],
    invoice_id: uuid.UUID | None,
    prepare: Callable[[AsyncSession, Row], Awaitable[Send | str | None]],
    made_entry: Callable[[Row], Transaction],
) -> tuple[int, int, list[str]]:
    """Send every pending row of ``model`` (or those of one invoice), oldest id first.
    ``prepare`` reads what the request needs, in a session, and says what to send, or why
    not (a failure, as text), or None to leave the row for a later pass. Returns (made by
    the provider, recorded as manual, failures)."""
    query = select(model.id).where(model.status == TransferStatus.PENDING.value)
    if invoice_id is not None:
        query = query.where(model.invoice_id == invoice_id)
    async with sessions() as session:
        ids = list(await session.scalars(query.order_by(model.id)))
    sent = manual = 0
    failed: list[str] = []
    for key in ids:
        async with sessions() as session:
            row = await session.get(model, key)
            if row is None or row.status != TransferStatus.PENDING.value:
                continue
            step = await prepare(session, row)
        if step is None:
            continue
        if isinstance(step, str):
            failed.append(step)
            continue
        try:
            external_id = await asyncio.to_thread(step.call)
        except TransferError as exc:
            failed.append(str(exc))
            continue
        try:
            outcome = await record_made(sessions, model, key, step.kind, external_id, made_entry)
        except IntegrityError:  # recorded at the same moment by another process
            continue
        if outcome == TransferStatus.SENT:
            sent += 1
        elif outcome == TransferStatus.MANUAL:
            manual += 1
    return sent, manual, failed
