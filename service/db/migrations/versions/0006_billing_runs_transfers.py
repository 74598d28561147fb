"""Billing runs from the API, foundation transfers, invoices' foundation and payment
reference, the foundation's payout account on organisations.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

Written out in full (no import of the models), so that it stays what it was when the models
change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("payout_account_id", sa.String(length=100), nullable=True))
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("foundation_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("payment_reference", sa.String(length=200), nullable=True))
        batch.create_index(batch.f("ix_invoices_foundation_id"), ["foundation_id"])

    op.create_table(
        "billing_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("started_at", nullable=True),
        _timestamp("finished_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_billing_runs_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_billing_runs_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_billing_runs")),
    )
    op.create_index(op.f("ix_billing_runs_organisation_id"), "billing_runs", ["organisation_id"])

    op.create_table(
        "foundation_transfers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("foundation_id", sa.String(length=64), nullable=False),
        sa.Column("destination", sa.String(length=100), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        _timestamp("created_at"),
        _timestamp("sent_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'manual')",
            name=op.f("ck_foundation_transfers_status"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_foundation_transfers_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_foundation_transfers")),
        sa.UniqueConstraint(
            "invoice_id", "commons_id", name=op.f("uq_foundation_transfers_invoice_id")
        ),
    )
    op.create_index(
        op.f("ix_foundation_transfers_invoice_id"), "foundation_transfers", ["invoice_id"]
    )
    op.create_index(
        op.f("ix_foundation_transfers_foundation_id"), "foundation_transfers", ["foundation_id"]
    )


def downgrade() -> None:
    op.drop_table("foundation_transfers")
    op.drop_table("billing_runs")
    with op.batch_alter_table("invoices") as batch:
        batch.drop_index(batch.f("ix_invoices_foundation_id"))
        batch.drop_column("payment_reference")
        batch.drop_column("foundation_id")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("payout_account_id")
