"""Commoners and their money (issue 7): identity claims, the mail outbox that carries the
claim tokens, payout accounts, each commons' payout policy, payout runs and their lines,
and the public-ledger preference of companies.

A **claim** ties a commit email to a commoner once verified (a token sent to the address,
or a statement signed by a key the commit history trusts). A **payout run** shares one
period's pool of one commons; each of its **lines** is one commoner's (or one not yet
claimed identity's) part, paid at most once: its ``idempotency_key`` is unique and is the
key sent to the payout provider.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UtcDateTime, new_id, utcnow
from service.db.models.accounts import enum_check

__all__ = [
    "ClaimMethod",
    "CompanyLedgerPreference",
    "IdentityClaim",
    "OutboxMessage",
    "PayoutAccount",
    "PayoutLine",
    "PayoutLineStatus",
    "PayoutPolicyRecord",
    "PayoutRun",
    "PayoutRunStatus",
]


class ClaimMethod(StrEnum):
    TOKEN = "token"  # a token sent to the commit email
    SIGNATURE = "signature"  # a statement signed by a key seen on signed commits


class IdentityClaim(Base):
    """A commoner's claim on a commit email. Only the token's hash is stored."""

    __tablename__ = "identity_claims"
    __table_args__ = (enum_check("method", "method", ClaimMethod),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    commoner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("commoners.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    method: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class OutboxMessage(Base):
    """A message the service would send by mail (there is no mail server): read by the
    operator with ``copyfair admin claim-token`` and marked sent when shown."""

    __tablename__ = "outbox_messages"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    claim_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("identity_claims.id", ondelete="CASCADE"), nullable=True, index=True
    )
    recipient: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PayoutAccount(Base):
    """A commoner's connected payout account (a Stripe Connect ``acct_...`` id) and the
    alias under which the public ledger lists what they received."""

    __tablename__ = "payout_accounts"

    commoner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("commoners.id", ondelete="CASCADE"), primary_key=True
    )
    account: Mapped[str] = mapped_column(String(100))
    alias: Mapped[str] = mapped_column(String(100))
    connected_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PayoutPolicyRecord(Base):
    """A commons' payout policy as submitted (checked by
    :func:`service.payouts.policy.parse_payout_policy` when written and when read)."""

    __tablename__ = "payout_policies"

    commons_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("commons.id", ondelete="CASCADE"), primary_key=True
    )
    policy: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PayoutRunStatus(StrEnum):
    RUNNING = "running"  # planned (allocation and lines written); transfers to make
    FINISHED = "finished"  # every payable line paid
    FAILED = "failed"  # the transfers stopped (``error`` says why); starting again resumes


class PayoutRun(Base):
    """One commons' payout for one period: the allocation as computed (JSON, with the
    policy and the repositories read), once per commons and period. Its transfers are made
    in the background (:mod:`service.payouts.run_jobs`): ``started_at`` is when the latest
    attempt started, ``error`` why it failed (None once it finishes)."""

    __tablename__ = "payout_runs"
    __table_args__ = (
        enum_check("status", "status", PayoutRunStatus),
        Index("uq_payout_runs_commons_id_period", "commons_id", "period", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    commons_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("commons.id", ondelete="CASCADE"), index=True
    )
    period: Mapped[str] = mapped_column(String(7))
    currency: Mapped[str] = mapped_column(String(3))
    pool_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default=PayoutRunStatus.RUNNING.value)
    allocation: Mapped[dict[str, Any]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PayoutLineStatus(StrEnum):
    PENDING = "pending"  # to transfer (payout account known)
    PAID = "paid"  # transferred; external_id set
    UNCLAIMED = "unclaimed"  # held: no verified claim with a payout account yet
    CARRIED = "carried"  # below the minimum payout: left in the pool for the next period


class PayoutLine(Base):
    """One part of a run: a registered commoner's, or a not yet claimed identity's (the
    contributor's canonical commit email). ``measures`` and ``contributions`` are what
    earned the score, for the commoner's statement. A ``carried`` line whose amount was
    added to a later line of the same commoner (``carried_in_minor`` there) points to it
    with ``carried_into``."""

    __tablename__ = "payout_lines"
    __table_args__ = (enum_check("status", "status", PayoutLineStatus),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("payout_runs.id", ondelete="CASCADE"), index=True
    )
    commoner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("commoners.id", ondelete="SET NULL"), nullable=True, index=True
    )
    identity: Mapped[str] = mapped_column(String(320), index=True)
    score: Mapped[str] = mapped_column(String(60))
    measures: Mapped[dict[str, Any]] = mapped_column(JSON)
    contributions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    amount_minor: Mapped[int] = mapped_column(BigInteger)  # includes carried_in_minor
    carried_in_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20))
    carried_into: Mapped[uuid.UUID | None] = mapped_column(Uuid, nullable=True)
    destination: Mapped[str | None] = mapped_column(String(100), nullable=True)
    external_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class CompanyLedgerPreference(Base):
    """Whether a company's payments are listed by name on the public ledgers (default) or
    as an anonymous company."""

    __tablename__ = "company_ledger_preferences"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
