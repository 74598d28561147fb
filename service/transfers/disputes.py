"""Disputes after the funds went to the foundations. A dispute whose funds are withdrawn is
clawed back exactly as a refund is (:func:`plan_dispute_reversals`: the refund
``dispute-<id>``, reversal keys ``copyfair-reversal-dispute-<id>-<commons>``). A won dispute
gives the funds back to the pools, so what was reversed beyond the clawback rule's target is
sent to the foundations again (:func:`plan_dispute_won`): a :class:`FoundationTransfer` row
per dispute and commons, with ``dispute_id`` set, sent with the other transfers under the
key ``copyfair-transfer-dispute-won-<id>-<commons>``.

Both are planned in the unit of work that records the dispute event, and only when the
ledger entry was written, so a redelivered event plans nothing more; the rows are unique
per dispute and commons. A dispute before the transfer holds the invoice as a refund does;
won before the next run, the invoice is transferred in full then.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Invoice
from service.db.models.ledger import FoundationTransfer, TransferStatus
from service.transfers import clawback
from service.transfers.foundation import planned_entry
from service.transfers.reversals import DISPUTE_PREFIX, plan_reversals, standing
from service.transfers.sending import add_planned

__all__ = ["plan_dispute_reversals", "plan_dispute_won"]


async def plan_dispute_reversals(session: AsyncSession, invoice: Invoice, dispute_id: str) -> int:
    """Plan what a dispute (already applied to ``invoice.refunded_minor``) takes back from
    the invoice's transfers, as a refund would. Returns the rows planned (flushes)."""
    return await plan_reversals(session, invoice, f"{DISPUTE_PREFIX}{dispute_id}")


async def plan_dispute_won(session: AsyncSession, invoice: Invoice, dispute_id: str) -> int:
    """Plan the transfers that send again what the won dispute ``dispute_id`` (already
    taken off ``invoice.refunded_minor``) no longer takes back, to the foundation account
    each commons' first transfer went to. Returns the rows planned: 0 when nothing had been
    reversed beyond the rule's target (the dispute came before the transfer), or when this
    dispute was planned before. Flushes; the caller commits, with the reinstatement."""
    planned_before = select(FoundationTransfer.id).where(
        FoundationTransfer.invoice_id == invoice.id, FoundationTransfer.dispute_id == dispute_id
    )
    now = await standing(session, invoice, planned_before)
    if now is None:
        return 0
    refunded = min(invoice.refunded_minor, invoice.amount_paid_minor)
    planned = 0
    for commons_id, amount in clawback.reinstatement(refunded, invoice.amount_paid_minor, now.sent):
        first = now.rows_of(commons_id)[0]
        row = FoundationTransfer(
            invoice_id=invoice.id,
            commons_id=commons_id,
            dispute_id=dispute_id,
            foundation_id=first.foundation_id,
            destination=first.destination,
            amount_minor=amount,
            currency=first.currency,
            status=TransferStatus.PENDING.value,
        )
        await add_planned(session, row, planned_entry)
        planned += 1
    return planned
