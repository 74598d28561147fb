"""The ``BillingGateway`` extension point and its errors.

A gateway turns our invoices into the processor's, one idempotent step at a time. Every
method takes our own ids and derives the processor's idempotency key from them, so a step
repeated after a crash is the same request, never a second charge. The run
(:mod:`service.billing.runs`) records each returned external id before the next step, so a
resumed run skips what is done and repeats only the step that may not have been.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

__all__ = [
    "BillingError",
    "BillingGateway",
    "GatewayKind",
    "GatewayUnavailableError",
    "LineDraft",
    "RemoteInvoice",
]


class BillingError(Exception):
    """Base of billing errors; the message says what failed and what to do."""


class GatewayUnavailableError(BillingError):
    """The processor could not be reached or refused the request."""


class GatewayKind(StrEnum):
    MANUAL = "manual"
    STRIPE = "stripe"


@dataclass(frozen=True, slots=True)
class LineDraft:
    line_id: str
    obligation_id: str
    commons_id: str
    amount_minor: int
    currency: str
    description: str


@dataclass(frozen=True, slots=True)
class RemoteInvoice:
    """What the processor knows of an invoice (for reconciliation)."""

    external_id: str
    status: str  # draft | open | paid | void | uncollectible
    currency: str
    total_minor: int
    amount_paid_minor: int


class BillingGateway(Protocol):
    kind: GatewayKind

    def customer(self, company_id: str) -> str:
        """The processor's customer for a company (created once, idempotently)."""
        ...

    def add_line(self, customer_id: str, invoice_id: str, line: LineDraft) -> str:
        """A pending item for ``line``; returns its external id."""
        ...

    def create_invoice(self, customer_id: str, invoice_id: str, period: str) -> str:
        """An invoice gathering the customer's pending items; returns its external id."""
        ...

    def finalise(self, external_id: str, invoice_id: str) -> None: ...

    def collect(self, external_id: str, invoice_id: str) -> None:
        """Ask for payment (charge the default payment method); the outcome arrives by
        webhook. The manual gateway does nothing: payments are recorded by hand."""
        ...

    def fee(self, external_id: str) -> int:
        """The processor's fee on the invoice's payment, in minor units (0 if unknown)."""
        ...

    def fetch(self, external_id: str) -> RemoteInvoice | None:
        """The invoice at the processor, or None when it is unknown there."""
        ...
