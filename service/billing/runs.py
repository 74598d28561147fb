"""Billing runs: owed obligations of a period become one invoice per company, currency and
foundation, one line per obligation, pushed to the gateway step by step.

The obligations come from the obligations store (:func:`run_period`, the default) or are
given (:func:`run_billing`, e.g. from an offline JSON file). A run is two phases, each safe
to repeat:

1. :func:`plan` records invoices and lines in one database transaction, and moves the stored
   obligations it bills to ``invoiced`` in the same one. An obligation is billed on one line
   ever (``invoice_lines.obligation_id`` is unique), so running the same period again adds
   nothing; new obligations join the company's draft invoice, or a new one.
2. :func:`push` takes every draft invoice through the gateway: customer, items, invoice,
   finalise, then collect. Each external id is committed as soon as it is known, and every
   gateway call carries an idempotency key from our ids, so a run killed at any point and
   started again resumes where it stopped without billing twice.

Gateway calls are blocking (the ``stripe`` SDK); they run in a worker thread so that a run
started from the API does not stall the event loop.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.billing.interface import BillingError, BillingGateway, LineDraft
from service.billing.obligations import OwedObligation, owed_obligations, set_obligation_status
from service.billing.payments import issue
from service.db.models import (
    BillingCustomer,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    ObligationStatus,
)

__all__ = [
    "OwedObligation",
    "RunReport",
    "check_period",
    "plan",
    "push",
    "run_billing",
    "run_period",
]

Checkpoint = Callable[[str], None]

_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def check_period(period: str) -> str:
    """``period`` if it is a billing period ``YYYY-MM``, else :class:`BillingError`."""
    if not _PERIOD.match(period):
        raise BillingError(f"period {period!r} is not a month: use YYYY-MM, e.g. 2026-11")
    return period


@dataclass(frozen=True, slots=True)
class RunReport:
    period: str
    invoices_created: int
    lines_added: int
    already_billed: int
    invoices_issued: int


def _no_checkpoint(step: str) -> None:
    return None


async def plan(
    session: AsyncSession,
    obligations: Sequence[OwedObligation],
    period: str,
    gateway_name: str,
) -> tuple[int, int, int]:
    """Record the invoices and lines (flushes; the caller commits). Returns (invoices
    created, lines added, obligations already billed)."""
    wanted = [o for o in obligations if o.period == period]
    ids = [o.id for o in wanted]
    billed = set(
        await session.scalars(
            select(InvoiceLine.obligation_id).where(InvoiceLine.obligation_id.in_(ids))
        )
    )
    groups: dict[tuple[str, str, str], list[OwedObligation]] = defaultdict(list)
    for o in wanted:
        if o.id not in billed:
            groups[(o.company_id, o.currency, o.foundation_id or "")].append(o)
    created = added = 0
    for (company_id, currency, foundation), items in sorted(groups.items()):
        foundation_id = foundation or None
        invoice = await session.scalar(
            select(Invoice)
            .where(
                Invoice.company_id == company_id,
                Invoice.currency == currency,
                Invoice.period == period,
                Invoice.status == InvoiceStatus.DRAFT.value,
                Invoice.external_id.is_(None),
                Invoice.foundation_id == foundation_id
                if foundation_id
                else Invoice.foundation_id.is_(None),
            )
            .limit(1)
        )
        if invoice is None:
            invoice = Invoice(
                company_id=company_id,
                currency=currency,
                period=period,
                foundation_id=foundation_id,
                status=InvoiceStatus.DRAFT.value,
                gateway=gateway_name,
                amount_paid_minor=0,
                fee_minor=0,
                refunded_minor=0,
            )
            session.add(invoice)
            await session.flush()
            created += 1
        for o in sorted(items, key=lambda x: x.id):
            session.add(
                InvoiceLine(
                    invoice_id=invoice.id,
                    obligation_id=o.id,
                    commons_id=o.commons_id,
                    amount_minor=o.amount_minor,
                    status="billed",
                )
            )
            added += 1
    await session.flush()
    planned = [o.id for items in groups.values() for o in items]
    await set_obligation_status(session, planned, ObligationStatus.INVOICED)
    return created, added, len(billed)


async def _customer(
    sessions: async_sessionmaker[AsyncSession], gateway: BillingGateway, company_id: str
) -> str:
    async with sessions() as session:
        found = await session.get(BillingCustomer, (company_id, gateway.kind.value))
        if found is not None:
            return found.external_id
    external = await asyncio.to_thread(gateway.customer, company_id)
    async with sessions() as session:
        session.add(
            BillingCustomer(company_id=company_id, gateway=gateway.kind.value, external_id=external)
        )
        await session.commit()
    return external


async def _push_one(
    sessions: async_sessionmaker[AsyncSession],
    gateway: BillingGateway,
    invoice: Invoice,
    checkpoint: Checkpoint,
) -> None:
    invoice_id = str(invoice.id)
    customer = await _customer(sessions, gateway, invoice.company_id)
    checkpoint("customer")
    async with sessions() as session:
        lines = list(
            await session.scalars(
                select(InvoiceLine)
                .where(InvoiceLine.invoice_id == invoice.id)
                .order_by(InvoiceLine.obligation_id)
            )
        )
    for line in lines:
        if line.external_id is not None:
            continue
        draft = LineDraft(
            line_id=str(line.id),
            obligation_id=line.obligation_id,
            commons_id=line.commons_id,
            amount_minor=line.amount_minor,
            currency=invoice.currency,
            description=f"Reciprocity to commons {line.commons_id}, {invoice.period} "
            f"(obligation {line.obligation_id})",
        )
        external = await asyncio.to_thread(gateway.add_line, customer, invoice_id, draft)
        async with sessions() as session:
            row = await session.get(InvoiceLine, line.id)
            assert row is not None
            row.external_id = external
            await session.commit()
        checkpoint("line")
    external_invoice = invoice.external_id
    if external_invoice is None:
        external_invoice = await asyncio.to_thread(
            gateway.create_invoice, customer, invoice_id, invoice.period
        )
        async with sessions() as session:
            row_inv = await session.get(Invoice, invoice.id)
            assert row_inv is not None
            row_inv.external_id = external_invoice
            await session.commit()
        checkpoint("invoice")
    await asyncio.to_thread(gateway.finalise, external_invoice, invoice_id)
    checkpoint("finalise")
    async with sessions() as session:
        row_inv = await session.get(Invoice, invoice.id)
        assert row_inv is not None
        await issue(session, row_inv)
        await session.commit()
    checkpoint("issued")


async def push(
    sessions: async_sessionmaker[AsyncSession],
    gateway: BillingGateway,
    period: str,
    checkpoint: Checkpoint = _no_checkpoint,
    foundation_id: str | None = None,
) -> int:
    """Take the period's draft invoices (of one foundation, or all) through the gateway,
    then ask for payment of its open ones that the gateway still shows open. Returns the
    number issued."""
    scope = [Invoice.period == period]
    if foundation_id is not None:
        scope.append(Invoice.foundation_id == foundation_id)
    async with sessions() as session:
        drafts = list(
            await session.scalars(
                select(Invoice)
                .where(*scope, Invoice.status == InvoiceStatus.DRAFT.value)
                .order_by(Invoice.created_at, Invoice.id)
            )
        )
    for invoice in drafts:
        await _push_one(sessions, gateway, invoice, checkpoint)
    async with sessions() as session:
        open_ = list(
            await session.scalars(
                select(Invoice)
                .where(*scope, Invoice.status == InvoiceStatus.OPEN.value)
                .order_by(Invoice.created_at, Invoice.id)
            )
        )
    for invoice in open_:
        assert invoice.external_id is not None
        remote = await asyncio.to_thread(gateway.fetch, invoice.external_id)
        if remote is not None and remote.status == "open":
            await asyncio.to_thread(gateway.collect, invoice.external_id, str(invoice.id))
            checkpoint("collect")
    return len(drafts)


async def run_billing(
    sessions: async_sessionmaker[AsyncSession],
    gateway: BillingGateway,
    obligations: Sequence[OwedObligation],
    period: str,
    checkpoint: Checkpoint = _no_checkpoint,
) -> RunReport:
    """Plan the given obligations then push; safe to run again for the same period (it
    resumes, never re-bills)."""
    check_period(period)
    async with sessions() as session:
        created, added, already = await plan(session, obligations, period, gateway.kind.value)
        await session.commit()
    checkpoint("planned")
    issued = await push(sessions, gateway, period, checkpoint)
    return RunReport(period, created, added, already, issued)


async def run_period(
    sessions: async_sessionmaker[AsyncSession],
    gateway: BillingGateway,
    period: str,
    foundation_id: uuid.UUID | None = None,
    checkpoint: Checkpoint = _no_checkpoint,
) -> RunReport:
    """Bill the period's owed obligations from the obligations store (of one foundation's
    commons, or all): read and planned in one transaction, then pushed. Safe to run again:
    what was planned is ``invoiced`` and no longer owed, and the push resumes."""
    check_period(period)
    async with sessions() as session:
        owed = await owed_obligations(session, period, foundation_id)
        created, added, already = await plan(session, owed, period, gateway.kind.value)
        await session.commit()
    checkpoint("planned")
    scope = str(foundation_id) if foundation_id is not None else None
    issued = await push(sessions, gateway, period, checkpoint, scope)
    return RunReport(period, created, added, already, issued)
