"""Ledger and billing: the double-entry journal, invoices and their lines, gateway
customers, processed webhook events, billing runs started from the API, the transfers of
each paid invoice's funds to the foundations, and their reversals when a refund follows."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint, Uuid, event
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UtcDateTime, new_id, utcnow
from service.db.models.accounts import enum_check

__all__ = [
    "BillingCustomer",
    "BillingRun",
    "BillingRunStatus",
    "FoundationTransfer",
    "TransferReversal",
    "TransferStatus",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "LedgerEntry",
    "LedgerTransaction",
    "WebhookEvent",
]


class LedgerTransaction(Base):
    """One balanced journal transaction (see :mod:`service.ledger.journal`). Written once,
    never updated: ``reference`` is unique, so writing the same fact twice records it once."""

    __tablename__ = "ledger_transactions"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(40))
    reference: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LedgerEntry(Base):
    """One posting: a signed amount in minor units (debit > 0, credit < 0)."""

    __tablename__ = "ledger_entries"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    transaction_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ledger_transactions.id", ondelete="RESTRICT"), index=True
    )
    account: Mapped[str] = mapped_column(String(120), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    commons_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)


class InvoiceStatus(StrEnum):
    DRAFT = "draft"  # recorded here, not yet finalised at the gateway
    OPEN = "open"  # finalised, awaiting payment
    PAID = "paid"
    DUNNING = "dunning"  # a payment attempt failed
    REFUNDED = "refunded"


class Invoice(Base):
    """One invoice per company, currency and period (a later run may add another for
    obligations that arrive after the first was finalised)."""

    __tablename__ = "invoices"
    __table_args__ = (enum_check("status", "status", InvoiceStatus),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    period: Mapped[str] = mapped_column(String(7))
    # the foundation whose commons the lines pay (None for lines of unregistered commons)
    foundation_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    status: Mapped[str] = mapped_column(String(20), default=InvoiceStatus.DRAFT.value)
    gateway: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    amount_paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # what identifies a payment recorded by hand (bank reference or Idempotency-Key)
    payment_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)


class InvoiceLine(Base):
    """One line per obligation; an obligation is billed on one line, ever."""

    __tablename__ = "invoice_lines"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    obligation_id: Mapped[str] = mapped_column(String(64), unique=True)
    commons_id: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="billed")  # billed | paid
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)


class BillingCustomer(Base):
    """A company's customer id at a gateway."""

    __tablename__ = "billing_customers"

    company_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(String(100))


class WebhookEvent(Base):
    """A gateway event already processed: its id is the key, so a redelivery is a no-op."""

    __tablename__ = "webhook_events"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    type: Mapped[str] = mapped_column(String(100))
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class BillingRunStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class BillingRun(Base):
    """A billing run started from the API (``POST /v1/billing/runs``), run in the background;
    ``report`` holds the :class:`service.billing.runs.RunReport` when done."""

    __tablename__ = "billing_runs"
    __table_args__ = (enum_check("status", "status", BillingRunStatus),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(20), default=BillingRunStatus.QUEUED.value)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TransferStatus(StrEnum):
    PENDING = "pending"  # planned: the amount left the pool, not yet sent
    SENT = "sent"  # the provider made the transfer
    MANUAL = "manual"  # recorded as owed, to be made by hand (manual provider)


class FoundationTransfer(Base):
    """A paid invoice's net amount for one commons, sent to its foundation's connected
    account. One row per invoice and commons, ever: planning twice plans once. A won
    dispute whose funds had been reversed sends them again in a row of its own
    (``dispute_id``), one per dispute and commons; ``""`` marks the payment's own transfer
    (not NULL: NULLs are distinct in a unique constraint, which would allow two)."""

    __tablename__ = "foundation_transfers"
    __table_args__ = (
        enum_check("status", "status", TransferStatus),
        UniqueConstraint("invoice_id", "commons_id", "dispute_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    commons_id: Mapped[str] = mapped_column(String(64))
    foundation_id: Mapped[str] = mapped_column(String(64), index=True)
    destination: Mapped[str] = mapped_column(String(100))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=TransferStatus.PENDING.value)
    provider: Mapped[str | None] = mapped_column(String(20), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    dispute_id: Mapped[str] = mapped_column(String(100), default="", server_default="")


class TransferReversal(Base):
    """The part of a foundation transfer taken back because the invoice that funded it was
    refunded (or lost to a dispute) after the transfer (a clawback). One row per refund and
    transfer, ever: a redelivered refund plans nothing more. (A commons has more than one
    transfer of an invoice only after a won dispute sent its funds again.) ``status`` reads
    as for transfers: ``pending`` (planned, not yet asked of the provider), ``sent`` (the
    money is back on the platform's balance), ``manual`` (owed back by the foundation, to be
    received by hand)."""

    __tablename__ = "transfer_reversals"
    __table_args__ = (
        enum_check("status", "status", TransferStatus),
        UniqueConstraint("refund_id", "transfer_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    transfer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("foundation_transfers.id", ondelete="RESTRICT"), index=True
    )
    invoice_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("invoices.id", ondelete="RESTRICT"), index=True
    )
    # the gateway's refund id (re_...), or <charge>:<cumulative refunded> when it gave none,
    # or dispute-<dispute id> (dp_...) for a lost dispute
    refund_id: Mapped[str] = mapped_column(String(200))
    commons_id: Mapped[str] = mapped_column(String(64))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=TransferStatus.PENDING.value)
    provider: Mapped[str | None] = mapped_column(String(20), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


def _refuse_change(mapper: object, connection: object, target: object) -> None:
    raise ValueError(
        f"{type(target).__name__} rows are never edited or deleted: post a reversing entry"
    )


for _journal_model in (LedgerTransaction, LedgerEntry):
    event.listen(_journal_model, "before_update", _refuse_change)
    event.listen(_journal_model, "before_delete", _refuse_change)
