"""Usage reports and the obligations derived from them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Written out in full (no import of the models), so that it stays what it was when the models
change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES = "'owed', 'needs-declaration', 'exempt', 'not-triggered', 'invoiced', 'paid', 'refunded'"


def _timestamp(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("project", sa.String(length=500), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("scan", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["organisations.id"],
            name=op.f("fk_reports_company_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_company_id"), "reports", ["company_id"])
    op.create_index(op.f("ix_reports_period"), "reports", ["period"])

    op.create_table(
        "obligations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("company_id", sa.Uuid(), nullable=False),
        sa.Column("commons_id", sa.Uuid(), nullable=True),
        sa.Column("foundation_id", sa.Uuid(), nullable=True),
        sa.Column("project", sa.String(length=500), nullable=False),
        sa.Column("component_id", sa.String(length=1000), nullable=False),
        sa.Column("licence", sa.String(length=1000), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("payee", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("clause", sa.String(length=200), nullable=True),
        sa.Column("evidence", sa.JSON(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.CheckConstraint(f"status IN ({_STATUSES})", name=op.f("ck_obligations_status")),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_obligations_report_id_reports"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["organisations.id"],
            name=op.f("fk_obligations_company_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["commons_id"],
            ["commons.id"],
            name=op.f("fk_obligations_commons_id_commons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["foundation_id"],
            ["organisations.id"],
            name=op.f("fk_obligations_foundation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_obligations")),
    )
    for column in ("report_id", "commons_id", "status", "period"):
        op.create_index(op.f(f"ix_obligations_{column}"), "obligations", [column])
    op.create_index("ix_obligations_company_id_id", "obligations", ["company_id", "id"])
    op.create_index("ix_obligations_foundation_id_id", "obligations", ["foundation_id", "id"])
    op.create_index(
        "uq_obligations_natural_key",
        "obligations",
        ["company_id", "project", "component_id", "licence", "kind", "period"],
        unique=True,
    )

    op.create_table(
        "report_commons",
        sa.Column("report_id", sa.Uuid(), nullable=False),
        sa.Column("commons_id", sa.Uuid(), nullable=False),
        sa.Column("foundation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name=op.f("fk_report_commons_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["commons_id"],
            ["commons.id"],
            name=op.f("fk_report_commons_commons_id_commons"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["foundation_id"],
            ["organisations.id"],
            name=op.f("fk_report_commons_foundation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "commons_id", name=op.f("pk_report_commons")),
    )
    op.create_index(
        "ix_report_commons_foundation_id_report_id",
        "report_commons",
        ["foundation_id", "report_id"],
    )


def downgrade() -> None:
    op.drop_table("report_commons")
    op.drop_table("obligations")
    op.drop_table("reports")
