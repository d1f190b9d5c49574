"""webhook inbox: a delivery can wait, verified and stored, for its events to be applied

Revision ID: 0010_webhook_inbox
Revises: 0009_early_fraud_warnings
Create Date: 2026-12-05 20:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_webhook_inbox"
down_revision: str | None = "0009_early_fraud_warnings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("verdict", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("apply_after", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(
            "ix_webhook_deliveries_inbox",
            ["apply_after", "id"],
            unique=False,
            sqlite_where=sa.text("outcome = 'received'"),
            postgresql_where=sa.text("outcome = 'received'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_webhook_deliveries_inbox",
            sqlite_where=sa.text("outcome = 'received'"),
            postgresql_where=sa.text("outcome = 'received'"),
        )
        batch_op.drop_column("apply_after")
        batch_op.drop_column("attempts")
        batch_op.drop_column("verdict")
