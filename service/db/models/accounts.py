"""Accounts: organisations, commoners, API keys, and the commons foundations register.

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
    "enum_check",
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


def enum_check(name: str, column: str, enum: type[StrEnum]) -> CheckConstraint:
    values = ", ".join(f"'{m.value}'" for m in enum)
    return CheckConstraint(f"{column} IN ({values})", name=name)


class Organisation(Base):
    __tablename__ = "organisations"
    __table_args__ = (enum_check("kind", "kind", OrganisationKind),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # a foundation's Stripe connected account (acct_...), for funds sent by Connect transfer
    payout_account_id: Mapped[str | None] = mapped_column(String(100), nullable=True)


class Commoner(Base):
    __tablename__ = "commoners"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        enum_check("role", "role", Role),
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
