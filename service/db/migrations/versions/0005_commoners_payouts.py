"""Commoner identities, payout accounts and payout runs (issue 7).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

Identity claims and the outbox that carries their tokens, payout accounts, payout policies,
payout runs and their lines, and the companies' public-ledger preference. Written out in
full (no import of the models), so that it stays what it was when the models change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, table: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column],
        [f"{target}.id"],
        name=op.f(f"fk_{table}_{column}_{target}"),
        ondelete=ondelete,
    )


def upgrade() -> None:
    op.create_table(
        "identity_claims",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("commoner_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        _timestamp("expires_at", nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _timestamp("verified_at", nullable=True),
        _timestamp("created_at"),
        sa.CheckConstraint(
            "method IN ('token', 'signature')", name=op.f("ck_identity_claims_method")
        ),
        _fk("commoner_id", "identity_claims", "commoners", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_claims")),
    )
    op.create_index(op.f("ix_identity_claims_commoner_id"), "identity_claims", ["commoner_id"])
    op.create_index(op.f("ix_identity_claims_email"), "identity_claims", ["email"])

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=True),
        sa.Column("recipient", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("sent_at", nullable=True),
        _fk("claim_id", "outbox_messages", "identity_claims", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
    )
    op.create_index(op.f("ix_outbox_messages_claim_id"), "outbox_messages", ["claim_id"])

    op.create_table(
        "payout_accounts",
        sa.Column("commoner_id", sa.Uuid(), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("alias", sa.String(length=100), nullable=False),
        _timestamp("connected_at"),
        _fk("commoner_id", "payout_accounts", "commoners", "CASCADE"),
        sa.PrimaryKeyConstraint("commoner_id", name=op.f("pk_payout_accounts")),
    )

    op.create_table(
        "payout_policies",
        sa.Column("commons_id", sa.Uuid(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        _timestamp("updated_at"),
        _fk("commons_id", "payout_policies", "commons", "CASCADE"),
        sa.PrimaryKeyConstraint("commons_id", name=op.f("pk_payout_policies")),
    )

    op.create_table(
        "payout_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("commons_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("pool_minor", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("allocation", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        _timestamp("finished_at", nullable=True),
        sa.CheckConstraint("status IN ('running', 'finished')", name=op.f("ck_payout_runs_status")),
        _fk("commons_id", "payout_runs", "commons", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_runs")),
    )
    op.create_index(op.f("ix_payout_runs_commons_id"), "payout_runs", ["commons_id"])
    op.create_index(
        "uq_payout_runs_commons_id_period", "payout_runs", ["commons_id", "period"], unique=True
    )

    op.create_table(
        "payout_lines",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("commoner_id", sa.Uuid(), nullable=True),
        sa.Column("identity", sa.String(length=320), nullable=False),
        sa.Column("score", sa.String(length=60), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("contributions", sa.JSON(), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("carried_in_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("carried_into", sa.Uuid(), nullable=True),
        sa.Column("destination", sa.String(length=100), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        _timestamp("created_at"),
        _timestamp("paid_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'unclaimed', 'carried')",
            name=op.f("ck_payout_lines_status"),
        ),
        _fk("run_id", "payout_lines", "payout_runs", "CASCADE"),
        _fk("commoner_id", "payout_lines", "commoners", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_lines")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payout_lines_idempotency_key")),
    )
    for column in ("run_id", "commoner_id", "identity"):
        op.create_index(op.f(f"ix_payout_lines_{column}"), "payout_lines", [column])

    op.create_table(
        "company_ledger_preferences",
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        _timestamp("updated_at"),
        _fk("organisation_id", "company_ledger_preferences", "organisations", "CASCADE"),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_company_ledger_preferences")),
    )


def downgrade() -> None:
    op.drop_table("company_ledger_preferences")
    op.drop_table("payout_lines")
    op.drop_table("payout_runs")
    op.drop_table("payout_policies")
    op.drop_table("payout_accounts")
    op.drop_table("outbox_messages")
    op.drop_table("identity_claims")
