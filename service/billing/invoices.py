"""Invoices as tenants see them, and payments recorded by hand (manual gateway).

Who sees what: a company sees its own invoices; a foundation sees the invoices with a line
for one of its commons, and of those only the lines of its commons. Queries filter on the
viewer, so that another tenant's invoice is simply not found.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.billing.interface import BillingError, GatewayKind
from service.billing.payments import NotReadyError, record_payment
from service.db.models import Commons, Invoice, InvoiceLine, InvoiceStatus
from service.db.pagination import Page, fetch_page

__all__ = [
    "InvoiceView",
    "PaymentConflictError",
    "PaymentRefusedError",
    "Viewer",
    "foundation_commons",
    "get_invoice",
    "list_invoices",
    "record_manual_payment",
]


class PaymentConflictError(BillingError):
    """The invoice was already paid under another reference, or is not manual."""


class PaymentRefusedError(BillingError):
    """The payment does not fit the invoice (amount or currency); ``field`` names why."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Viewer:
    """A company (its id) or a foundation (the ids of its commons)."""

    company_id: str | None = None
    commons_ids: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if (self.company_id is None) == (self.commons_ids is None):
            raise ValueError("a viewer is a company or a foundation's commons, not both")


@dataclass(frozen=True, slots=True)
class InvoiceView:
    invoice: Invoice
    total_minor: int  # the whole invoice's
    lines: Sequence[InvoiceLine]  # those the viewer may see


async def foundation_commons(session: AsyncSession, foundation_id: uuid.UUID) -> frozenset[str]:
    owned = await session.scalars(
        select(Commons.id).where(Commons.organisation_id == foundation_id)
    )
    return frozenset(str(c) for c in owned)


def _visible(viewer: Viewer) -> object:
    if viewer.company_id is not None:
        return Invoice.company_id == viewer.company_id
    assert viewer.commons_ids is not None
    return (
        select(InvoiceLine.id)
        .where(
            InvoiceLine.invoice_id == Invoice.id,
            InvoiceLine.commons_id.in_(sorted(viewer.commons_ids)),
        )
        .exists()
    )


async def _views(
    session: AsyncSession, invoices: Sequence[Invoice], viewer: Viewer
) -> list[InvoiceView]:
    if not invoices:
        return []
    ids = [i.id for i in invoices]
    lines: dict[uuid.UUID, list[InvoiceLine]] = defaultdict(list)
    totals: dict[uuid.UUID, int] = defaultdict(int)
    for line in await session.scalars(
        select(InvoiceLine)
        .where(InvoiceLine.invoice_id.in_(ids))
        .order_by(InvoiceLine.obligation_id)
    ):
        totals[line.invoice_id] += line.amount_minor
        if viewer.commons_ids is None or line.commons_id in viewer.commons_ids:
            lines[line.invoice_id].append(line)
    return [InvoiceView(i, totals[i.id], lines[i.id]) for i in invoices]


async def list_invoices(
    session: AsyncSession,
    viewer: Viewer,
    *,
    limit: int,
    cursor: str | None,
    period: str | None = None,
    status: InvoiceStatus | None = None,
) -> Page[InvoiceView]:
    """A page of the viewer's invoices, oldest first (raises CursorError on a bad cursor)."""
    query = select(Invoice).where(_visible(viewer))  # type: ignore[arg-type]
    if period is not None:
        query = query.where(Invoice.period == period)
    if status is not None:
        query = query.where(Invoice.status == status.value)
    page = await fetch_page(session, query, Invoice.id, limit=limit, cursor=cursor)
    return Page(items=await _views(session, page.items, viewer), next_cursor=page.next_cursor)


async def get_invoice(
    session: AsyncSession, viewer: Viewer, invoice_id: uuid.UUID, *, for_update: bool = False
) -> InvoiceView | None:
    query = select(Invoice).where(Invoice.id == invoice_id, _visible(viewer))  # type: ignore[arg-type]
    if for_update:
        query = query.with_for_update()
    found = await session.scalar(query)
    if found is None:
        return None
    return (await _views(session, [found], viewer))[0]


async def _foreign_lines(session: AsyncSession, invoice: Invoice, commons: frozenset[str]) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(InvoiceLine)
        .where(InvoiceLine.invoice_id == invoice.id, InvoiceLine.commons_id.not_in(commons))
    )
    return int(count or 0)


async def record_manual_payment(
    session: AsyncSession,
    view: InvoiceView,
    commons_ids: frozenset[str],
    reference: str,
    fee_minor: int = 0,
    amount_minor: int | None = None,
    currency: str | None = None,
) -> bool:
    """Record the full payment of a manual invoice under ``reference`` (a bank reference or
    an Idempotency-Key). True when recorded now; False when it already was under the same
    reference (a replay). Raises :class:`PaymentConflictError` (paid under another
    reference, not a manual invoice, lines of other foundations),
    :class:`PaymentRefusedError` (amount, currency or fee off) or
    :class:`~service.billing.payments.NotReadyError` (not issued yet)."""
    invoice = view.invoice
    if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.REFUNDED):
        if invoice.payment_reference == reference:
            return False
        known = invoice.payment_reference or "a gateway payment"
        raise PaymentConflictError(
            f"invoice {invoice.id} is already paid ({known}); a payment is recorded once"
        )
    if invoice.gateway != GatewayKind.MANUAL.value:
        raise PaymentConflictError(
            f"invoice {invoice.id} is collected by {invoice.gateway}: its payment arrives "
            "by webhook, it is not recorded by hand"
        )
    if await _foreign_lines(session, invoice, commons_ids):
        raise PaymentConflictError(
            f"invoice {invoice.id} has lines for other foundations' commons: the operator "
            "records its payment (copyfair billing mark-paid)"
        )
    if invoice.status == InvoiceStatus.DRAFT:
        raise NotReadyError(f"invoice {invoice.id} is not issued yet: run billing first")
    if amount_minor is not None and amount_minor != view.total_minor:
        raise PaymentRefusedError(
            f"amount_minor {amount_minor} is not the invoice's total {view.total_minor}: "
            "record the full payment (partial payments are not supported)",
            "amount_minor",
        )
    if currency is not None and currency.upper() != invoice.currency:
        raise PaymentRefusedError(
            f"currency {currency} is not the invoice's ({invoice.currency})", "currency"
        )
    if not 0 <= fee_minor <= view.total_minor:
        raise PaymentRefusedError(
            f"fee_minor {fee_minor} is outside 0..{view.total_minor} (the invoice's total)",
            "fee_minor",
        )
    done = await record_payment(session, invoice, fee_minor)
    if done:
        invoice.payment_reference = reference
        await session.flush()
    return done
