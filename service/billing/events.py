"""Applying a verified gateway event, exactly once per event id, in any order.

:func:`apply_event` records the event id in the same unit of work as its effect: a crash
before the commit leaves neither, and the redelivery applies it; a redelivery after the
commit finds the id and changes nothing. An event that arrives before the fact it depends
on (a refund before the payment) raises :class:`~service.billing.payments.NotReadyError`
and is *not* recorded, so the processor delivers it again later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from uuid import UUID

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.billing.interface import BillingGateway
from service.billing.payments import (
    NotReadyError,
    mark_failed,
    record_payment,
    record_reversal,
    reinstate,
)
from service.db.models import Invoice, LedgerEntry, LedgerTransaction, WebhookEvent
from service.ledger import journal
from service.transfers.disputes import plan_dispute_reversals, plan_dispute_won
from service.transfers.reversals import plan_reversals

__all__ = ["MalformedEventError", "Outcome", "apply_event"]

PAID_EVENTS = frozenset({"invoice.paid", "invoice.payment_succeeded"})
MAX_ID = 100  # the width of every gateway id column (webhook_events.id, invoices.external_id)
MAX_MINOR = 2**63 - 1  # what a BigInteger holds


class MalformedEventError(ValueError):
    """A verified event that is not of the shape its type promises; nothing is recorded.
    ``field`` names the offending member (``"id"``, ``"data.object.amount"``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def _event_text(event: Mapping[str, Any], key: str) -> str:
    value = event.get(key)
    if not isinstance(value, str) or not value or len(value) > MAX_ID or "\x00" in value:
        raise MalformedEventError(
            key, f"expected a non-empty string of at most {MAX_ID} characters, without NUL"
        )
    return value


def _minor(value: Any, field: str) -> int:
    """An amount in minor units: an integer (or integer string) a BigInteger holds."""
    try:
        amount = int(value or 0)
    except (TypeError, ValueError):
        raise MalformedEventError(field, "expected an integer amount in minor units") from None
    if isinstance(value, float) or isinstance(value, bool) or abs(amount) > MAX_MINOR:
        raise MalformedEventError(field, f"expected an integer of at most {MAX_MINOR}")
    return amount


def _refunds(obj: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The (id, amount) of each refund listed in a charge (``refunds.data``)."""
    listed = obj.get("refunds") or {}
    data = listed.get("data") if isinstance(listed, Mapping) else None
    if not isinstance(listed, Mapping) or not isinstance(data, list | None):
        raise MalformedEventError("data.object.refunds", "expected a list object with data")
    out = []
    for n, refund in enumerate(data or []):
        field = f"data.object.refunds.data[{n}]"
        if not isinstance(refund, Mapping):
            raise MalformedEventError(field, "expected a refund object")
        refund_id = refund.get("id")
        if (
            not isinstance(refund_id, str)
            or not 0 < len(refund_id) <= MAX_ID
            or "\x00" in refund_id
        ):
            raise MalformedEventError(
                f"{field}.id", f"expected the refund's id (<= {MAX_ID} chars)"
            )
        out.append((refund_id, _minor(refund.get("amount"), f"{field}.amount")))
    return out


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # this event id was processed before
    NO_CHANGE = "no_change"  # processed; the fact was already known (e.g. paid twice)
    IGNORED = "ignored"  # not an event we act on, or not about one of our invoices


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    """A gateway id in the object; None when absent, or when it is no id we could have
    stored (longer than the columns, or with a NUL byte, which PostgreSQL refuses)."""
    value = obj.get(key)
    if isinstance(value, Mapping):
        value = value.get("id")
    if not isinstance(value, str) or not value or len(value) > MAX_ID or "\x00" in value:
        return None
    return value


async def _invoice_of(session: AsyncSession, obj: Mapping[str, Any]) -> Invoice | None:
    """The invoice an invoice object (its id or our metadata) refers to."""
    metadata = obj.get("metadata") or {}
    ours = metadata.get("copyfair_invoice_id") if isinstance(metadata, Mapping) else None
    external = _text(obj, "id")
    conditions = [Invoice.external_id == external] if external else []
    if isinstance(ours, str):
        try:
            conditions.append(Invoice.id == UUID(ours))
        except ValueError:
            pass
    if not conditions:
        return None
    found: Invoice | None = await session.scalar(
        select(Invoice).where(or_(*conditions)).with_for_update().limit(1)
    )
    return found


async def _invoice_of_charge(
    session: AsyncSession, charge_id: str | None, invoice_ext: str | None
) -> Invoice | None:
    conditions = []
    if charge_id:
        conditions.append(Invoice.charge_id == charge_id)
    if invoice_ext:
        conditions.append(Invoice.external_id == invoice_ext)
    if not conditions:
        return None
    found: Invoice | None = await session.scalar(
        select(Invoice).where(or_(*conditions)).with_for_update().limit(1)
    )
    return found


def _dispute_id(obj: Mapping[str, Any]) -> str:
    dispute = _text(obj, "id")
    if dispute is None:
        raise MalformedEventError(
            "data.object.id", f"expected the dispute's id (<= {MAX_ID} chars, without NUL)"
        )
    return dispute


async def _withdrawn(session: AsyncSession, reference: str) -> int | None:
    """What the dispute recorded under ``reference`` took from the platform's balance (its
    clearing posting), None when it was not recorded."""
    found = await session.scalar(
        select(LedgerTransaction.id).where(LedgerTransaction.reference == reference)
    )
    if found is None:
        return None
    total = await session.scalar(
        select(func.sum(LedgerEntry.amount_minor)).where(
            LedgerEntry.transaction_id == found,
            LedgerEntry.account == journal.account(journal.AccountKind.CLEARING),
        )
    )
    return -int(total or 0)


async def _dispatch(
    session: AsyncSession, kind: str, obj: Mapping[str, Any], gateway: BillingGateway
) -> Outcome:
    if kind in PAID_EVENTS:
        invoice = await _invoice_of(session, obj)
        if invoice is None:
            return Outcome.IGNORED
        if invoice.status in ("paid", "refunded"):
            return Outcome.NO_CHANGE
        fee = (
            await asyncio.to_thread(gateway.fee, invoice.external_id) if invoice.external_id else 0
        )
        done = await record_payment(session, invoice, fee, _text(obj, "charge"))
        return Outcome.APPLIED if done else Outcome.NO_CHANGE
    if kind == "invoice.payment_failed":
        invoice = await _invoice_of(session, obj)
        if invoice is None:
            return Outcome.IGNORED
        return Outcome.APPLIED if mark_failed(invoice) else Outcome.NO_CHANGE
    if kind == "charge.refunded":
        charge_id = _text(obj, "id")
        invoice = await _invoice_of_charge(session, charge_id, _text(obj, "invoice"))
        if invoice is None:
            return Outcome.IGNORED
        refunds = _refunds(obj)
        if not refunds:  # no list: the cumulative amount names the refund
            cumulative = _minor(obj.get("amount_refunded"), "data.object.amount_refunded")
            refunds = [(f"{charge_id}:{cumulative}", cumulative - invoice.refunded_minor)]
        changed = False
        for refund_id, amount in refunds:
            if await record_reversal(session, invoice, "refund", f"refund:{refund_id}", amount):
                changed = True
                # funds already transferred to the foundations are taken back, in the
                # same unit of work as the refund (sent by the next transfer run)
                await plan_reversals(session, invoice, refund_id)
        return Outcome.APPLIED if changed else Outcome.NO_CHANGE
    if kind in ("charge.dispute.created", "charge.dispute.funds_withdrawn"):
        invoice = await _invoice_of_charge(session, _text(obj, "charge"), None)
        if invoice is None:
            return Outcome.IGNORED
        dispute = _dispute_id(obj)
        amount = _minor(obj.get("amount"), "data.object.amount")
        changed = await record_reversal(session, invoice, "dispute", f"dispute:{dispute}", amount)
        if changed:  # funds already transferred are taken back, as for a refund
            await plan_dispute_reversals(session, invoice, dispute)
        return Outcome.APPLIED if changed else Outcome.NO_CHANGE
    if kind == "charge.dispute.closed" and obj.get("status") == "won":
        invoice = await _invoice_of_charge(session, _text(obj, "charge"), None)
        if invoice is None:
            return Outcome.IGNORED
        dispute = _dispute_id(obj)
        withdrawn = await _withdrawn(session, f"dispute:{dispute}")
        if withdrawn is None:
            raise NotReadyError(f"dispute {dispute} closed before it was recorded as opened")
        amount = _minor(obj.get("amount"), "data.object.amount")
        # no more than the dispute took (less when the invoice was mostly refunded already)
        changed = await reinstate(
            session, invoice, f"dispute-won:{dispute}", min(amount, withdrawn)
        )
        if changed:  # what was taken back from the foundations is sent again
            await plan_dispute_won(session, invoice, dispute)
        return Outcome.APPLIED if changed else Outcome.NO_CHANGE
    return Outcome.IGNORED


async def apply_event(
    session: AsyncSession, event: Mapping[str, Any], gateway: BillingGateway
) -> Outcome:
    """Apply one verified event (flushes; the caller commits both the effect and the id).
    Raises :class:`MalformedEventError` (recording nothing) for an event of the wrong shape."""
    event_id = _event_text(event, "id")
    kind = _event_text(event, "type")
    if await session.get(WebhookEvent, event_id) is not None:
        return Outcome.DUPLICATE
    data = event.get("data") or {}
    obj = data.get("object") if isinstance(data, Mapping) else None
    outcome = (
        await _dispatch(session, kind, obj, gateway)
        if isinstance(obj, Mapping)
        else Outcome.IGNORED
    )
    session.add(WebhookEvent(id=event_id, type=kind))
    await session.flush()
    return outcome
