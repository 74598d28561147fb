"""Payout runs paid in the background: a ``failed`` status, the error that stopped the
transfers, and when the latest attempt started.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

Written out in full (no import of the models), so that it stays what it was when the models
change. SQLite cannot alter a CHECK constraint: batch mode copies the table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("payout_runs") as batch:
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))
        batch.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch.drop_constraint(batch.f("ck_payout_runs_status"), type_="check")
        batch.create_check_constraint(
            batch.f("ck_payout_runs_status"), "status IN ('running', 'finished', 'failed')"
        )


def downgrade() -> None:
    # a failed run goes back to running: the older schema knows no failure, and resumes it
    op.execute("UPDATE payout_runs SET status = 'running' WHERE status = 'failed'")
    with op.batch_alter_table("payout_runs") as batch:
        batch.drop_constraint(batch.f("ck_payout_runs_status"), type_="check")
        batch.create_check_constraint(
            batch.f("ck_payout_runs_status"), "status IN ('running', 'finished')"
        )
        batch.drop_column("started_at")
        batch.drop_column("error")
