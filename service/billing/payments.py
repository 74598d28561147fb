"""What happens to an invoice after it is issued: paid, failed (dunning), refunded, disputed.

Each function changes the invoice and writes the ledger in the caller's unit of work, and is
idempotent: the ledger reference of each fact is derived from the fact (the invoice, the
cumulative refunded amount, the dispute id), so recording it twice records it once.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.billing.interface import BillingError
from service.billing.obligations import set_obligation_status
from service.db.base import utcnow
from service.db.models import Invoice, InvoiceLine, InvoiceStatus, ObligationStatus
from service.ledger import journal
from service.ledger.store import post

__all__ = [
    "InvoiceNotFoundError",
    "NotReadyError",
    "find_invoice",
    "mark_failed",
    "per_commons",
    "record_payment",
    "record_reversal",
]


class InvoiceNotFoundError(BillingError):
    """No invoice with that id."""


class NotReadyError(BillingError):
    """The fact cannot be applied yet (e.g. a refund before the payment): retry later."""


async def find_invoice(session: AsyncSession, invoice_id: str) -> Invoice:
    try:
        key = uuid.UUID(invoice_id)
    except ValueError:
        raise InvoiceNotFoundError(f"{invoice_id!r} is not an invoice id (a UUID)") from None
    invoice = await session.get(Invoice, key, with_for_update=True)
    if invoice is None:
        raise InvoiceNotFoundError(f"no invoice {invoice_id}")
    return invoice


async def per_commons(session: AsyncSession, invoice: Invoice) -> list[tuple[str, int]]:
    """The invoice's amount per commons, in a stable order."""
    lines = await session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id))
    sums: dict[str, int] = defaultdict(int)
    for line in lines:
        sums[line.commons_id] += line.amount_minor
    return sorted(sums.items())


async def _set_obligations(
    session: AsyncSession, invoice: Invoice, status: ObligationStatus
) -> None:
    """The stored obligations billed on ``invoice`` follow it to ``status``."""
    ids = await session.scalars(
        select(InvoiceLine.obligation_id).where(InvoiceLine.invoice_id == invoice.id)
    )
    await set_obligation_status(session, list(ids), status)


async def issue(session: AsyncSession, invoice: Invoice) -> None:
    """The invoice is final: status ``open`` and the receivable in the ledger."""
    parts = await per_commons(session, invoice)
    await post(
        session,
        journal.invoice_issued(f"issue:{invoice.id}", invoice.company_id, invoice.currency, parts),
    )
    if invoice.status == InvoiceStatus.DRAFT:
        invoice.status = InvoiceStatus.OPEN.value


async def record_payment(
    session: AsyncSession, invoice: Invoice, fee_minor: int = 0, charge_id: str | None = None
) -> bool:
    """The invoice is paid in full: its lines become ``paid`` and each commons' pool receives
    its share net of ``fee_minor``. False when it was already recorded."""
    if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.REFUNDED):
        return False
    if invoice.status == InvoiceStatus.DRAFT:
        raise NotReadyError(f"invoice {invoice.id} is not issued yet")
    parts = await per_commons(session, invoice)
    total = sum(amount for _, amount in parts)
    fee = min(max(fee_minor, 0), total)
    written = await post(
        session,
        journal.payment_received(
            f"payment:{invoice.id}", invoice.company_id, invoice.currency, parts, fee
        ),
    )
    if not written:  # recorded at the same moment by another process
        return False
    invoice.status = InvoiceStatus.PAID.value
    invoice.amount_paid_minor = total
    invoice.fee_minor = fee
    invoice.paid_at = utcnow()
    if charge_id:
        invoice.charge_id = charge_id
    await session.execute(
        update(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id).values(status="paid")
    )
    await _set_obligations(session, invoice, ObligationStatus.PAID)
    await session.flush()
    return True


def mark_failed(invoice: Invoice) -> bool:
    """A payment attempt failed: an open invoice enters dunning. A paid one stays paid (the
    failure of an earlier attempt may arrive after the success)."""
    if invoice.status != InvoiceStatus.OPEN:
        return False
    invoice.status = InvoiceStatus.DUNNING.value
    return True


async def record_reversal(
    session: AsyncSession, invoice: Invoice, kind: str, reference: str, amount_minor: int
) -> bool:
    """Money given back (refund, dispute lost): a reversing entry out of the pools. False
    when ``reference`` was already recorded."""
    if invoice.status not in (InvoiceStatus.PAID, InvoiceStatus.REFUNDED):
        raise NotReadyError(f"invoice {invoice.id} is not paid yet: nothing to reverse")
    parts = await per_commons(session, invoice)
    room = invoice.amount_paid_minor - invoice.refunded_minor
    amount = min(amount_minor, room)
    if amount <= 0:
        return False
    written = await post(
        session, journal.reversal(kind, reference, invoice.currency, parts, amount)
    )
    if written:
        invoice.refunded_minor += amount
        if invoice.refunded_minor >= invoice.amount_paid_minor:
            invoice.status = InvoiceStatus.REFUNDED.value
            await _set_obligations(session, invoice, ObligationStatus.REFUNDED)
        await session.flush()
    return written


async def reinstate(
    session: AsyncSession, invoice: Invoice, reference: str, amount_minor: int
) -> bool:
    """A dispute won: the reversed amount comes back to the pools (a new entry again)."""
    parts = await per_commons(session, invoice)
    reversed_ = journal.reversal("dispute_won", reference, invoice.currency, parts, amount_minor)
    back = journal.balanced(
        reversed_.kind,
        reversed_.reference,
        [
            journal.Posting(p.account, p.currency, -p.amount_minor, p.commons_id)
            for p in reversed_.postings
        ],
    )
    written = await post(session, back)
    if written:
        invoice.refunded_minor = max(0, invoice.refunded_minor - amount_minor)
        if (
            invoice.status == InvoiceStatus.REFUNDED
            and invoice.refunded_minor < invoice.amount_paid_minor
        ):
            invoice.status = InvoiceStatus.PAID.value
            await _set_obligations(session, invoice, ObligationStatus.PAID)
        await session.flush()
    return written
