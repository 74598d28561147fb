"""The tables: organisations, commoners, API keys, commons.

Every tenant-owned row carries the id of its owner (``organisation_id``); queries filter on
it (:mod:`service.db.commons`), so that another tenant's row is simply not found.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UtcDateTime, new_id, utcnow

__all__ = [
    "ApiKey",
    "Commoner",
    "Commons",
    "Organisation",
    "OrganisationKind",
    "Role",
]


class OrganisationKind(StrEnum):
    COMPANY = "company"
    FOUNDATION = "foundation"


class Role(StrEnum):
    """What a key may do. A key's role follows its owner: an organisation's kind, or
    ``commoner`` for a person."""

    COMPANY = "company"
    FOUNDATION = "foundation"
    COMMONER = "commoner"


def _enum_check(name: str, column: str, enum: type[StrEnum]) -> CheckConstraint:
    values = ", ".join(f"'{m.value}'" for m in enum)
    return CheckConstraint(f"{column} IN ({values})", name=name)


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (_enum_check("kind", "kind", OrganisationKind),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Commoner(Base):
    __tablename__ = "commoners"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        _enum_check("role", "role", Role),
        CheckConstraint("(organisation_id IS NULL) <> (commoner_id IS NULL)", name="one_owner"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    commoner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("commoners.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Commons(Base):
    """A commons registered by its foundation: licence, repositories, the rules that
    attribute a reported component to it, and its reciprocity schedule (as submitted,
    re-checked with :func:`licences.schedule.parse_schedule` when read)."""

    __tablename__ = "commons"
    __table_args__ = (
        Index("uq_commons_organisation_id_name", "organisation_id", "name", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    licence: Mapped[str] = mapped_column(String(1000))
    payee: Mapped[str] = mapped_column(String(200))
    repositories: Mapped[list[str]] = mapped_column(JSON)
    match: Mapped[dict[str, Any]] = mapped_column(JSON)
    reciprocity: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# --- ledger and billing (issue 6) ------------------------------------------------------

from sqlalchemy import BigInteger, event  # noqa: E402

__all__ += [
    "BillingCustomer",
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
    __table_args__ = (_enum_check("status", "status", InvoiceStatus),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    company_id: Mapped[str] = mapped_column(String(64), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    period: Mapped[str] = mapped_column(String(7))
    status: Mapped[str] = mapped_column(String(20), default=InvoiceStatus.DRAFT.value)
    gateway: Mapped[str] = mapped_column(String(20))
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True, unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    amount_paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


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


def _refuse_change(mapper: object, connection: object, target: object) -> None:
    raise ValueError(
        f"{type(target).__name__} rows are never edited or deleted: post a reversing entry"
    )


for _journal_model in (LedgerTransaction, LedgerEntry):
    event.listen(_journal_model, "before_update", _refuse_change)
    event.listen(_journal_model, "before_delete", _refuse_change)


# --- audit scans (issue 5) -------------------------------------------------------------

from sqlalchemy import LargeBinary, Text  # noqa: E402

__all__ += ["Scan", "ScanStatus"]


class ScanStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Scan(Base):
    """An audit scan started by a foundation: of a repository (URL or local path) or of an
    uploaded archive (kept in ``archive`` until the job has read it, so that a worker on
    another machine needs only the database). ``result`` is the JSON of ``copyfair scan``."""

    __tablename__ = "scans"
    __table_args__ = (
        _enum_check("status", "status", ScanStatus),
        CheckConstraint("(repository IS NULL) <> (archive_name IS NULL)", name="one_source"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20), default=ScanStatus.QUEUED.value)
    repository: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    archive_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    archive: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True, deferred=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True, deferred=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
