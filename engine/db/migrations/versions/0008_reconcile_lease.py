"""reconciliation sweep: one lease row per provider, sweeps told apart from manual syncs

Revision ID: 0008_reconcile_lease
Revises: 0007
Create Date: 2026-12-06 10:00:00

Sync runs gain ``kind`` (``sync`` for ``disputes sync``, ``sweep`` for the worker's sweep; every
run before this was a manual sync) and ``repairs`` (what a sweep put right). Both have server
defaults, so the upgrade rewrites no row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_reconcile_lease"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reconcile_leases",
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(128), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_reconcile_leases")),
    )
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="sync"),
        )
        batch.add_column(
            sa.Column("repairs", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
        )
    op.create_index("ix_sync_runs_sweeps", "sync_runs", ["provider", "kind", "finished_at"])


def downgrade() -> None:
    op.drop_index("ix_sync_runs_sweeps", table_name="sync_runs")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("repairs")
        batch.drop_column("kind")
    op.drop_table("reconcile_leases")
