"""Won disputes send reversed funds again: a foundation transfer may belong to a dispute
(``dispute_id``, ``""`` for the payment's own transfer), unique per invoice, commons and
dispute; a reversal is unique per refund and transfer (a commons may have two transfers).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

Written out in full (no import of the models), so that it stays what it was when the models
change.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("foundation_transfers") as batch:
        batch.add_column(
            sa.Column("dispute_id", sa.String(length=100), nullable=False, server_default="")
        )
        batch.drop_constraint("uq_foundation_transfers_invoice_id", type_="unique")
        batch.create_unique_constraint(
            "uq_foundation_transfers_invoice_id", ["invoice_id", "commons_id", "dispute_id"]
        )
    with op.batch_alter_table("transfer_reversals") as batch:
        batch.drop_constraint("uq_transfer_reversals_refund_id", type_="unique")
        batch.create_unique_constraint(
            "uq_transfer_reversals_refund_id", ["refund_id", "transfer_id"]
        )


def downgrade() -> None:
    """Refused while a won dispute's transfer exists (the old constraint cannot hold it)."""
    with op.batch_alter_table("transfer_reversals") as batch:
        batch.drop_constraint("uq_transfer_reversals_refund_id", type_="unique")
        batch.create_unique_constraint(
            "uq_transfer_reversals_refund_id", ["refund_id", "commons_id"]
        )
    with op.batch_alter_table("foundation_transfers") as batch:
        batch.drop_constraint("uq_foundation_transfers_invoice_id", type_="unique")
        batch.create_unique_constraint(
            "uq_foundation_transfers_invoice_id", ["invoice_id", "commons_id"]
        )
        batch.drop_column("dispute_id")
