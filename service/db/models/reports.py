"""Usage reports that companies submit, and the obligations the service derives from them.

An obligation is the service's own finding (never the client's): one row per company,
project, component, licence, kind and billing period (``YYYY-MM``), so that the many CI
reports of one month refresh the same rows instead of adding new ones. Its ``status``
starts as the engine's (:class:`licences.obligations.Status`) and moves on with billing:
``owed`` → ``invoiced`` → ``paid`` (→ ``refunded``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UtcDateTime, new_id, utcnow
from service.db.models.accounts import enum_check

__all__ = ["FROZEN_STATUSES", "ObligationRecord", "ObligationStatus", "Report", "ReportCommons"]


class ObligationStatus(StrEnum):
    OWED = "owed"
    NEEDS_DECLARATION = "needs-declaration"
    EXEMPT = "exempt"
    NOT_TRIGGERED = "not-triggered"
    INVOICED = "invoiced"
    PAID = "paid"
    REFUNDED = "refunded"


# Billing's statuses: a new report never changes these rows.
FROZEN_STATUSES = frozenset(
    {ObligationStatus.INVOICED, ObligationStatus.PAID, ObligationStatus.REFUNDED}
)


class Report(Base):
    """One usage report: the JSON of ``copyfair scan`` as submitted (kept for audit), the
    project it describes and the billing period it counts for."""

    __tablename__ = "reports"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    project: Mapped[str] = mapped_column(String(500))
    period: Mapped[str] = mapped_column(String(7), index=True)
    scan: Mapped[dict[str, Any]] = mapped_column(JSON, deferred=True)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ReportCommons(Base):
    """The commons a report involves (a component attributed to it): what lets their
    foundation see the report."""

    __tablename__ = "report_commons"
    __table_args__ = (
        Index("ix_report_commons_foundation_id_report_id", "foundation_id", "report_id"),
    )

    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True
    )
    commons_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("commons.id", ondelete="CASCADE"), primary_key=True
    )
    foundation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )


class ObligationRecord(Base):
    """An obligation as stored (the engine's is :class:`licences.obligations.Obligation`).
    ``commons_id`` and ``foundation_id`` are set when a registered commons' matching rules
    attribute the component to it; that is what a foundation may see."""

    __tablename__ = "obligations"
    __table_args__ = (
        enum_check("status", "status", ObligationStatus),
        Index(
            "uq_obligations_natural_key",
            "company_id",
            "project",
            "component_id",
            "licence",
            "kind",
            "period",
            unique=True,
        ),
        # keyset pages of one tenant's obligations: WHERE owner = ? AND id > ? ORDER BY id
        Index("ix_obligations_company_id_id", "company_id", "id"),
        Index("ix_obligations_foundation_id_id", "foundation_id", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    report_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("reports.id", ondelete="RESTRICT"), index=True
    )
    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    commons_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("commons.id", ondelete="SET NULL"), nullable=True, index=True
    )
    foundation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), nullable=True
    )
    project: Mapped[str] = mapped_column(String(500))
    component_id: Mapped[str] = mapped_column(String(1000))
    licence: Mapped[str] = mapped_column(String(1000))
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    payee: Mapped[str | None] = mapped_column(String(200), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    clause: Mapped[str | None] = mapped_column(String(200), nullable=True)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
