"""Reconciliation: the ledger and our invoices against the gateway, every difference reported.

For each invoice: the ledger must hold its issue (once finalised) and its payment (once
paid) with the invoice's total; the gateway, when it knows the invoice, must agree on the
status (paid or not) and the total. For each transfer to a foundation: the ledger must hold
its planning (the amount into payouts in transit) and, once sent, its sending (a won
dispute's transfer too). For each reversal of a transfer (a refund or lost dispute after it):
the same, in the other direction, and the
reversals of a transfer never exceed it. Differences are data, never an exception.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.billing.interface import BillingGateway
from service.db.models import Invoice, InvoiceLine, InvoiceStatus, LedgerEntry, LedgerTransaction
from service.db.models.ledger import FoundationTransfer, TransferReversal, TransferStatus
from service.transfers.foundation import planned_reference, sent_reference

__all__ = ["Difference", "reconcile"]


@dataclass(frozen=True, slots=True)
class Difference:
    invoice_id: str
    what: str
    ours: str
    theirs: str


async def _receivable_moved(session: AsyncSession, reference: str) -> int | None:
    """The amount a ledger transaction put on (or took off) receivables, None if absent."""
    total = await session.scalar(
        select(func.sum(LedgerEntry.amount_minor))
        .join(LedgerTransaction, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(LedgerTransaction.reference == reference, LedgerEntry.account.like("receivable:%"))
    )
    found = await session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.reference == reference)
    )
    return None if found is None else int(total or 0)


async def _moved(session: AsyncSession, reference: str, account: str) -> int | None:
    """What a ledger transaction posted to ``account``, None if the transaction is absent."""
    found = await session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.reference == reference)
    )
    if found is None:
        return None
    total = await session.scalar(
        select(func.sum(LedgerEntry.amount_minor)).where(
            LedgerEntry.transaction_id == found, LedgerEntry.account == account
        )
    )
    return int(total or 0)


async def _transfers(session: AsyncSession) -> list[Difference]:
    out: list[Difference] = []
    for row in await session.scalars(select(FoundationTransfer).order_by(FoundationTransfer.id)):
        iid = str(row.invoice_id)
        planned = await _moved(session, planned_reference(row), "in_transit")
        if planned != -row.amount_minor:
            what = f"ledger transfer planned for commons {row.commons_id}"
            out.append(Difference(iid, what, str(-row.amount_minor), str(planned)))
        sent = await _moved(session, sent_reference(row), "in_transit")
        if row.status == TransferStatus.SENT and sent != row.amount_minor:
            what = f"ledger transfer sent for commons {row.commons_id}"
            out.append(Difference(iid, what, str(row.amount_minor), str(sent)))
        if row.status != TransferStatus.SENT and sent is not None:
            what = f"ledger transfer sent for commons {row.commons_id}, {row.status} here"
            out.append(Difference(iid, what, "none", str(sent)))
    return out


async def _reversals(session: AsyncSession) -> list[Difference]:
    out: list[Difference] = []
    taken: dict[uuid.UUID, int] = {}
    for row in await session.scalars(select(TransferReversal).order_by(TransferReversal.id)):
        iid, who = str(row.invoice_id), f"commons {row.commons_id}, refund {row.refund_id}"
        taken[row.transfer_id] = taken.get(row.transfer_id, 0) + row.amount_minor
        planned = await _moved(session, f"reversal-planned:{row.id}", "in_transit")
        if planned != row.amount_minor:
            what = f"ledger reversal planned for {who}"
            out.append(Difference(iid, what, str(row.amount_minor), str(planned)))
        made = await _moved(session, f"reversal-made:{row.id}", "in_transit")
        if row.status == TransferStatus.SENT and made != -row.amount_minor:
            what = f"ledger reversal made for {who}"
            out.append(Difference(iid, what, str(-row.amount_minor), str(made)))
        if row.status != TransferStatus.SENT and made is not None:
            what = f"ledger reversal made for {who}, {row.status} here"
            out.append(Difference(iid, what, "none", str(made)))
    for transfer_id, total in sorted(taken.items()):
        transfer = await session.get(FoundationTransfer, transfer_id)
        if transfer is not None and total > transfer.amount_minor:
            what = f"reversals of the transfer for commons {transfer.commons_id} exceed it"
            out.append(
                Difference(str(transfer.invoice_id), what, str(transfer.amount_minor), str(total))
            )
    return out


async def reconcile(session: AsyncSession, gateway: BillingGateway) -> list[Difference]:
    out: list[Difference] = []
    invoices = list(await session.scalars(select(Invoice).order_by(Invoice.created_at)))
    for invoice in invoices:
        iid = str(invoice.id)
        total = int(
            await session.scalar(
                select(func.coalesce(func.sum(InvoiceLine.amount_minor), 0)).where(
                    InvoiceLine.invoice_id == invoice.id
                )
            )
            or 0
        )
        issued = await _receivable_moved(session, f"issue:{iid}")
        paid = await _receivable_moved(session, f"payment:{iid}")
        is_paid = invoice.status in (InvoiceStatus.PAID, InvoiceStatus.REFUNDED)
        if invoice.status != InvoiceStatus.DRAFT and issued != total:
            out.append(Difference(iid, "ledger issue", str(total), str(issued)))
        if is_paid and paid != -total:
            out.append(Difference(iid, "ledger payment", str(-total), str(paid)))
        if not is_paid and paid is not None:
            out.append(Difference(iid, "ledger payment of an unpaid invoice", "none", str(paid)))
        if invoice.external_id is None or invoice.gateway != gateway.kind.value:
            continue
        remote = await asyncio.to_thread(gateway.fetch, invoice.external_id)
        if remote is None:
            if gateway.kind.value != "manual":
                out.append(Difference(iid, "unknown at the gateway", invoice.external_id, "none"))
            continue
        if remote.total_minor != total or remote.currency != invoice.currency:
            out.append(
                Difference(
                    iid,
                    "total",
                    f"{total} {invoice.currency}",
                    f"{remote.total_minor} {remote.currency}",
                )
            )
        if (remote.status == "paid") != is_paid:
            out.append(Difference(iid, "status", invoice.status, remote.status))
    out.extend(await _transfers(session))
    out.extend(await _reversals(session))
    return out
