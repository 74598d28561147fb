"""Refunds (and lost disputes) after the funds went to the foundations: the transfers are
reversed in proportion (:mod:`service.transfers.clawback` has the rule), exactly once
whatever crashes and redeliveries happen. Two steps, as for the transfers themselves:

1. :func:`plan_reversals`, in the unit of work that records the refund (the webhook's), adds
   a :class:`TransferReversal` row per refund and transfer (unique: a redelivered refund
   plans nothing more; a dispute is the refund ``dispute-<id>``) with the ledger entry that
   brings the amount back to the commons' pool, owed back by the foundation (in transit).
2. :func:`send_reversals` asks the provider that made each transfer to reverse it, with an
   idempotency key derived from our ids (``copyfair-reversal-<refund>-<commons>``, and
   ``-dispute-won-<id>`` after it for a transfer a won dispute sent again), then
   records the reversal's id and the ledger entry (in transit → clearing) in one
   transaction. A crash between the provider's answer and that commit sends the same
   request again, which the provider answers with the same reversal. A reversal waits while
   its transfer is still pending (it is sent in full first, then reversed). A manual
   transfer's reversal is recorded as owed back by the foundation (``manual``), and marked
   received by hand (:func:`mark_received`), as manual transfers are marked made.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Invoice
from service.db.models.ledger import FoundationTransfer, TransferReversal, TransferStatus
from service.db.pagination import Page, fetch_page
from service.ledger.journal import Transaction
from service.transfers import clawback
from service.transfers.interface import PayoutProvider, ReversalRequest
from service.transfers.manual import ManualProvider
from service.transfers.sending import Send, add_planned, mark_by_hand, send_pending

__all__ = [
    "DISPUTE_PREFIX",
    "Standing",
    "idempotency_key",
    "list_reversals",
    "mark_received",
    "plan_reversals",
    "reversal_key",
    "send_reversals",
    "standing",
]

DISPUTE_PREFIX = "dispute-"  # a lost dispute's reversals: refund id dispute-<dispute id>


def idempotency_key(refund_id: str, commons_id: str) -> str:
    return f"copyfair-reversal-{refund_id}-{commons_id}"


def _planned_reference(row: TransferReversal) -> str:
    # the row's id, not the refund's: a refund id may be long (<charge>:<cumulative>)
    return f"reversal-planned:{row.id}"


def _made_reference(row: TransferReversal) -> str:
    return f"reversal-made:{row.id}"


@dataclass(frozen=True, slots=True)
class Standing:
    """An invoice's transfers as a clawback sees them: every row (the payment's own and won
    disputes'), what each had reversed, and per commons the payment's transfer with its
    reversals net of what was sent again (:class:`clawback.Sent`), in commons order."""

    transfers: list[FoundationTransfer]
    reversed_by_transfer: dict[uuid.UUID, int]
    sent: list[clawback.Sent]

    def rows_of(self, commons_id: str) -> list[FoundationTransfer]:
        """The commons' transfers: the payment's own first, then won disputes' by id."""
        return [t for t in self.transfers if t.commons_id == commons_id]


async def standing(
    session: AsyncSession, invoice: Invoice, planned_before: Select[uuid.UUID]
) -> Standing | None:
    """The invoice's transfers as a refund or dispute event plans against them, or None when
    there is nothing to plan: nothing was paid, nothing transferred yet (the event then holds
    the invoice instead), or ``planned_before`` finds a row (the event was planned already:
    a redelivery)."""
    if invoice.amount_paid_minor <= 0:
        return None
    if await session.scalar(planned_before.limit(1)) is not None:
        return None
    transfers = list(
        await session.scalars(
            select(FoundationTransfer)
            .where(FoundationTransfer.invoice_id == invoice.id)
            .order_by(FoundationTransfer.commons_id, FoundationTransfer.dispute_id)
        )
    )
    if not transfers:
        return None
    reversed_by_transfer: dict[uuid.UUID, int] = defaultdict(int)
    for transfer_id, total in await session.execute(
        select(TransferReversal.transfer_id, func.sum(TransferReversal.amount_minor))
        .where(TransferReversal.invoice_id == invoice.id)
        .group_by(TransferReversal.transfer_id)
    ):
        reversed_by_transfer[transfer_id] = int(total)
    sent = []
    for t in transfers:
        if t.dispute_id:
            continue
        rows = [r for r in transfers if r.commons_id == t.commons_id]
        taken = sum(reversed_by_transfer[r.id] for r in rows)
        again = sum(r.amount_minor for r in rows if r.dispute_id)
        sent.append(clawback.Sent(t.commons_id, t.amount_minor, taken - again))
    return Standing(transfers, reversed_by_transfer, sent)


async def plan_reversals(session: AsyncSession, invoice: Invoice, refund_id: str) -> int:
    """Plan what refund ``refund_id`` (already applied to ``invoice.refunded_minor``) takes
    back from the invoice's transfers. Returns the rows planned: 0 when the invoice had no
    transfer (a refund before the transfer holds it instead), or when this refund was
    planned before. A lost dispute is planned as a refund ``dispute-<id>``. A commons' part
    is taken from its own transfer first, then from those won disputes sent again, each up
    to what is left of it. Flushes; the caller commits, with the refund."""
    planned_before = select(TransferReversal.id).where(TransferReversal.refund_id == refund_id)
    now = await standing(session, invoice, planned_before)
    if now is None:
        return 0
    refunded = min(invoice.refunded_minor, invoice.amount_paid_minor)
    planned = 0
    for commons_id, part in clawback.clawback(refunded, invoice.amount_paid_minor, now.sent):
        rows = now.rows_of(commons_id)
        rooms = [t.amount_minor - now.reversed_by_transfer[t.id] for t in rows]
        for transfer, amount in zip(rows, clawback.allocate(part, rooms), strict=True):
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
            await add_planned(session, row, _planned_entry)
            planned += 1
    return planned


def reversal_key(row: TransferReversal, transfer: FoundationTransfer) -> str:
    """The idempotency key of a reversal: by refund and commons, and for the transfer a won
    dispute sent again, by that dispute too (a refund may reverse both)."""
    key = idempotency_key(row.refund_id, row.commons_id)
    return f"{key}-dispute-won-{transfer.dispute_id}" if transfer.dispute_id else key


def _request(row: TransferReversal, transfer: FoundationTransfer) -> ReversalRequest:
    assert transfer.external_id is not None
    metadata = {
        "copyfair_invoice_id": str(row.invoice_id),
        "commons_id": row.commons_id,
        "foundation_id": transfer.foundation_id,
    }
    if row.refund_id.startswith(DISPUTE_PREFIX):
        dispute = row.refund_id.removeprefix(DISPUTE_PREFIX)
        what = f"Dispute {dispute} of invoice {row.invoice_id} lost"
        metadata["dispute_id"] = dispute
    else:
        what = f"Refund {row.refund_id} of invoice {row.invoice_id}"
        metadata["refund_id"] = row.refund_id
    return ReversalRequest(
        transfer_id=transfer.external_id,
        amount_minor=row.amount_minor,
        currency=row.currency,
        idempotency_key=reversal_key(row, transfer),
        description=f"{what}: commons {row.commons_id}'s share taken back",
        metadata=metadata,
    )


def _planned_entry(row: TransferReversal) -> Transaction:
    return clawback.reversal_planned(
        _planned_reference(row), row.commons_id, row.currency, row.amount_minor
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


async def _prepare(
    provider: PayoutProvider, session: AsyncSession, row: TransferReversal
) -> Send | str | None:
    transfer = await session.get(FoundationTransfer, row.transfer_id)
    if transfer is None or transfer.status == TransferStatus.PENDING.value:
        return None  # the transfer goes first; the reversal follows on a later pass
    via = _provider_for(transfer, provider)
    if isinstance(via, str):
        return f"reversal {row.id}: {via}"
    request = _request(row, transfer)
    return Send(via.kind, lambda: via.reverse(request).external_id)


async def send_reversals(
    sessions: async_sessionmaker[AsyncSession],
    provider: PayoutProvider,
    invoice_id: uuid.UUID | None = None,
) -> tuple[int, int, list[str]]:
    """Send every pending reversal whose transfer was made (or those of one invoice).
    Returns (reversed by the provider, recorded as owed back, failures)."""
    return await send_pending(
        sessions, TransferReversal, invoice_id, partial(_prepare, provider), _made_entry
    )


async def mark_received(session: AsyncSession, row: TransferReversal, reference: str) -> bool:
    """A reversal recorded as owed back (manual) was received by hand: the money is back in
    clearing, nothing is in transit any more. False when it was already marked; raises
    TransferError for a reversal still pending (flushes; the caller commits)."""
    return await mark_by_hand(session, row, reference, _made_entry, noun="reversal", deed="receive")


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
