"""Refunds after the funds went to the foundations: the transfers are reversed in proportion
(:mod:`service.transfers.clawback` has the rule), exactly once whatever crashes and
redeliveries happen. Two steps, as for the transfers themselves:

1. :func:`plan_reversals`, in the unit of work that records the refund (the webhook's), adds
   a :class:`TransferReversal` row per refund and commons (unique: a redelivered refund
   plans nothing more) with the ledger entry that brings the amount back to the commons'
   pool, owed back by the foundation (in transit).
2. :func:`send_reversals` asks the provider that made each transfer to reverse it, with an
   idempotency key derived from our ids (``copyfair-reversal-<refund>-<commons>``), then
   records the reversal's id and the ledger entry (in transit → clearing) in one
   transaction. A crash between the provider's answer and that commit sends the same
   request again, which the provider answers with the same reversal. A reversal waits while
   its transfer is still pending (it is sent in full first, then reversed). A manual
   transfer's reversal is recorded as owed back by the foundation (``manual``), and marked
   received by hand (:func:`mark_received`), as manual transfers are marked made.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.base import utcnow
from service.db.models import Invoice
from service.db.models.ledger import FoundationTransfer, TransferReversal, TransferStatus
from service.db.pagination import Page, fetch_page
from service.ledger.journal import Transaction
from service.ledger.store import post
from service.transfers import clawback
from service.transfers.interface import PayoutProvider, ReversalRequest, TransferError
from service.transfers.manual import ManualProvider

__all__ = [
    "idempotency_key",
    "list_reversals",
    "mark_received",
    "plan_reversals",
    "send_reversals",
]


def idempotency_key(refund_id: str, commons_id: str) -> str:
    return f"copyfair-reversal-{refund_id}-{commons_id}"


def _planned_reference(row: TransferReversal) -> str:
    # the row's id, not the refund's: a refund id may be long (<charge>:<cumulative>)
    return f"reversal-planned:{row.id}"


def _made_reference(row: TransferReversal) -> str:
    return f"reversal-made:{row.id}"


async def plan_reversals(session: AsyncSession, invoice: Invoice, refund_id: str) -> int:
    """Plan what refund ``refund_id`` (already applied to ``invoice.refunded_minor``) takes
    back from the invoice's transfers. Returns the rows planned: 0 when the invoice had no
    transfer (a refund before the transfer holds it instead), or when this refund was
    planned before. Flushes; the caller commits, with the refund."""
    if invoice.amount_paid_minor <= 0:
        return 0
    transfers = list(
        await session.scalars(
            select(FoundationTransfer)
            .where(FoundationTransfer.invoice_id == invoice.id)
            .order_by(FoundationTransfer.commons_id)
        )
    )
    if not transfers:
        return 0
    seen = await session.scalar(
        select(TransferReversal.id).where(TransferReversal.refund_id == refund_id).limit(1)
    )
    if seen is not None:
        return 0
    reversed_by_transfer: dict[uuid.UUID, int] = defaultdict(int)
    for transfer_id, total in await session.execute(
        select(TransferReversal.transfer_id, func.sum(TransferReversal.amount_minor))
        .where(TransferReversal.invoice_id == invoice.id)
        .group_by(TransferReversal.transfer_id)
    ):
        reversed_by_transfer[transfer_id] = int(total)
    sent = [
        clawback.Sent(t.commons_id, t.amount_minor, reversed_by_transfer[t.id]) for t in transfers
    ]
    refunded = min(invoice.refunded_minor, invoice.amount_paid_minor)
    parts = dict(clawback.clawback(refunded, invoice.amount_paid_minor, sent))
    planned = 0
    for transfer in transfers:
        amount = parts.get(transfer.commons_id, 0)
        if amount <= 0:
            continue
        row = TransferReversal(
            transfer_id=transfer.id,
            invoice_id=invoice.id,
            refund_id=refund_id,
            commons_id=transfer.commons_id,
            amount_minor=amount,
            currency=transfer.currency,
            status=TransferStatus.PENDING.value,
        )
        session.add(row)
        await session.flush()  # gives the row its id, which the reference names
        await post(
            session,
            clawback.reversal_planned(
                _planned_reference(row), row.commons_id, row.currency, row.amount_minor
            ),
        )
        planned += 1
    return planned


def _request(row: TransferReversal, transfer: FoundationTransfer) -> ReversalRequest:
    assert transfer.external_id is not None
    return ReversalRequest(
        transfer_id=transfer.external_id,
        amount_minor=row.amount_minor,
        currency=row.currency,
        idempotency_key=idempotency_key(row.refund_id, row.commons_id),
        description=(
            f"Refund {row.refund_id} of invoice {row.invoice_id}: commons {row.commons_id}'s "
            "share taken back"
        ),
        metadata={
            "copyfair_invoice_id": str(row.invoice_id),
            "commons_id": row.commons_id,
            "foundation_id": transfer.foundation_id,
            "refund_id": row.refund_id,
        },
    )


def _made_entry(row: TransferReversal) -> Transaction:
    return clawback.reversal_made(
        _made_reference(row), row.commons_id, row.currency, row.amount_minor
    )


def _provider_for(transfer: FoundationTransfer, current: PayoutProvider) -> PayoutProvider | str:
    """Who reverses ``transfer``: the provider that made it. A manual transfer's reversal is
    always manual; a Stripe transfer needs the Stripe provider (else: why not, as text)."""
    if transfer.provider == current.kind:
        return current
    if transfer.provider == ManualProvider.kind:
        return ManualProvider()
    return (
        f"transfer {transfer.external_id} was made by {transfer.provider}: its reversal needs "
        f"COPYFAIR_FOUNDATION_TRANSFERS={transfer.provider} (now {current.kind})"
    )


async def _record_reversed(
    sessions: async_sessionmaker[AsyncSession], key: uuid.UUID, kind: str, external_id: str
) -> TransferStatus | None:
    """Record the provider's reversal on its row (a compare-and-set from ``pending``) and
    the ledger entry when money moved, in one transaction. None when another process
    recorded it first."""
    status = TransferStatus.MANUAL if kind == ManualProvider.kind else TransferStatus.SENT
    async with sessions() as session:
        result = await session.execute(
            update(TransferReversal)
            .where(
                TransferReversal.id == key,
                TransferReversal.status == TransferStatus.PENDING.value,
            )
            .values(status=status.value, external_id=external_id, provider=kind, sent_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            await session.rollback()
            return None
        if status is TransferStatus.SENT:
            row = await session.get(TransferReversal, key)
            assert row is not None
            await post(session, _made_entry(row))
        await session.commit()
    return status


async def send_reversals(
    sessions: async_sessionmaker[AsyncSession],
    provider: PayoutProvider,
    invoice_id: uuid.UUID | None = None,
) -> tuple[int, int, list[str]]:
    """Send every pending reversal whose transfer was made (or those of one invoice).
    Returns (reversed by the provider, recorded as owed back, failures)."""
    query = select(TransferReversal.id).where(
        TransferReversal.status == TransferStatus.PENDING.value
    )
    if invoice_id is not None:
        query = query.where(TransferReversal.invoice_id == invoice_id)
    async with sessions() as session:
        ids = list(await session.scalars(query.order_by(TransferReversal.id)))
    sent = manual = 0
    failed: list[str] = []
    for key in ids:
        async with sessions() as session:
            row = await session.get(TransferReversal, key)
            if row is None or row.status != TransferStatus.PENDING.value:
                continue
            transfer = await session.get(FoundationTransfer, row.transfer_id)
            if transfer is None or transfer.status == TransferStatus.PENDING.value:
                continue  # the transfer goes first; the reversal follows on a later pass
            via = _provider_for(transfer, provider)
            if isinstance(via, str):
                failed.append(f"reversal {row.id}: {via}")
                continue
            request = _request(row, transfer)
        try:
            made = await asyncio.to_thread(via.reverse, request)
        except TransferError as exc:
            failed.append(str(exc))
            continue
        try:
            outcome = await _record_reversed(sessions, key, via.kind, made.external_id)
        except IntegrityError:  # recorded at the same moment by another process
            continue
        if outcome == TransferStatus.SENT:
            sent += 1
        elif outcome == TransferStatus.MANUAL:
            manual += 1
    return sent, manual, failed


async def mark_received(session: AsyncSession, row: TransferReversal, reference: str) -> bool:
    """A reversal recorded as owed back (manual) was received by hand: the money is back in
    clearing, nothing is in transit any more. False when it was already marked; raises
    TransferError for a reversal still pending (flushes; the caller commits)."""
    if row.status == TransferStatus.SENT.value:
        return False
    if row.status != TransferStatus.MANUAL.value:
        raise TransferError(
            f"reversal {row.id} is {row.status}, not one to receive by hand: run "
            "copyfair billing transfer"
        )
    row.status = TransferStatus.SENT.value
    row.external_id = reference
    row.sent_at = utcnow()
    await post(session, _made_entry(row))
    await session.flush()
    return True


async def list_reversals(
    session: AsyncSession,
    foundation_id: str | None = None,
    status: TransferStatus | None = None,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[TransferReversal]:
    """A page of transfer reversals (of one foundation's transfers, or all), oldest first."""
    query = select(TransferReversal)
    if foundation_id is not None:
        query = query.join(
            FoundationTransfer, FoundationTransfer.id == TransferReversal.transfer_id
        ).where(FoundationTransfer.foundation_id == foundation_id)
    if status is not None:
        query = query.where(TransferReversal.status == status.value)
    return await fetch_page(session, query, TransferReversal.id, limit=limit, cursor=cursor)
