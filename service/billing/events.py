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

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.billing.interface import BillingGateway
from service.billing.payments import (
    NotReadyError,
    mark_failed,
    record_payment,
    record_reversal,
    reinstate,
)
from service.db.models import Invoice, WebhookEvent
from service.ledger.store import recorded

__all__ = ["Outcome", "apply_event"]

PAID_EVENTS = frozenset({"invoice.paid", "invoice.payment_succeeded"})


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # this event id was processed before
    NO_CHANGE = "no_change"  # processed; the fact was already known (e.g. paid twice)
    IGNORED = "ignored"  # not an event we act on, or not about one of our invoices


def _text(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if isinstance(value, Mapping):
        value = value.get("id")
    return value if isinstance(value, str) and value else None


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
        refunds = (obj.get("refunds") or {}).get("data") or []
        changed = False
        if refunds:
            for refund in refunds:
                changed |= await record_reversal(
                    session, invoice, "refund", f"refund:{refund['id']}", int(refund["amount"])
                )
        else:
            cumulative = int(obj.get("amount_refunded") or 0)
            changed = await record_reversal(
                session,
                invoice,
                "refund",
                f"refund:{charge_id}:{cumulative}",
                cumulative - invoice.refunded_minor,
            )
        return Outcome.APPLIED if changed else Outcome.NO_CHANGE
    if kind in ("charge.dispute.created", "charge.dispute.funds_withdrawn"):
        invoice = await _invoice_of_charge(session, _text(obj, "charge"), None)
        if invoice is None:
            return Outcome.IGNORED
        dispute = _text(obj, "id")
        changed = await record_reversal(
            session, invoice, "dispute", f"dispute:{dispute}", int(obj.get("amount") or 0)
        )
        return Outcome.APPLIED if changed else Outcome.NO_CHANGE
    if kind == "charge.dispute.closed" and obj.get("status") == "won":
        invoice = await _invoice_of_charge(session, _text(obj, "charge"), None)
        if invoice is None:
            return Outcome.IGNORED
        dispute = _text(obj, "id")
        if not await recorded(session, f"dispute:{dispute}"):
            raise NotReadyError(f"dispute {dispute} closed before it was recorded as opened")
        changed = await reinstate(
            session, invoice, f"dispute-won:{dispute}", int(obj.get("amount") or 0)
        )
        return Outcome.APPLIED if changed else Outcome.NO_CHANGE
    return Outcome.IGNORED


async def apply_event(
    session: AsyncSession, event: Mapping[str, Any], gateway: BillingGateway
) -> Outcome:
    """Apply one verified event (flushes; the caller commits both the effect and the id)."""
    event_id = str(event["id"])
    if await session.get(WebhookEvent, event_id) is not None:
        return Outcome.DUPLICATE
    kind = str(event.get("type", ""))
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
