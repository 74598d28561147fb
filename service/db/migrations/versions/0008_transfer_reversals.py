"""Transfer reversals: the part of a foundation transfer taken back when the invoice that
funded it is refunded after the transfer.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23

Written out in full (no import of the models), so that it stays what it was when the models
change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "transfer_reversals",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("transfer_id", sa.Uuid(), nullable=False),
        sa.Column("invoice_id", sa.Uuid(), nullable=False),
        sa.Column("refund_id", sa.String(length=200), nullable=False),
        sa.Column("commons_id", sa.String(length=64), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        _timestamp("created_at"),
        _timestamp("sent_at", nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'manual')",
            name=op.f("ck_transfer_reversals_status"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["foundation_transfers.id"],
            name=op.f("fk_transfer_reversals_transfer_id_foundation_transfers"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_id"],
            ["invoices.id"],
            name=op.f("fk_transfer_reversals_invoice_id_invoices"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_reversals")),
        sa.UniqueConstraint(
            "refund_id", "commons_id", name=op.f("uq_transfer_reversals_refund_id")
        ),
    )
    op.create_index(
        op.f("ix_transfer_reversals_transfer_id"), "transfer_reversals", ["transfer_id"]
    )
    op.create_index(op.f("ix_transfer_reversals_invoice_id"), "transfer_reversals", ["invoice_id"])


def downgrade() -> None:
    op.drop_table("transfer_reversals")
