"""index seeks: the worker's claim and the dashboard's "due soon" read only what is due

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 13:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_disputes_due", "disputes", ["status", "respond_by"])
    bind = op.get_bind()
    if (
        bind.dialect.name == "sqlite"
        and bind.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first()
    ):
        # A database that was analysed has statistics for every index but the new one, and
        # SQLite would then prefer it for any status filter (and sort): analyse it too.
        op.execute("ANALYZE disputes")
    # Queued work without a time was due at once; a claim is next due when its lease ends.
    op.execute(
        "UPDATE disputes SET work_not_before = updated_at "
        "WHERE work_state = 'queued' AND work_not_before IS NULL"
    )
    op.execute(
        "UPDATE disputes SET work_not_before = work_lease_until WHERE work_state = 'claimed'"
    )


def downgrade() -> None:
    # The data change needs no undoing: the old claim reads queued rows with or without a time.
    op.drop_index("ix_disputes_due", table_name="disputes")
