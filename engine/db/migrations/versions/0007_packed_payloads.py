"""packed payloads: raw objects, events and webhook bodies stored zlib-compressed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 13:00:00

Only columns are added: rows written before keep their plain columns and are read as they are,
so the upgrade rewrites no table (a million disputes' events would take minutes and double the
disk for a while).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("disputes", sa.Column("raw_packed", sa.LargeBinary(), nullable=True))
    op.add_column("dispute_events", sa.Column("packed", sa.LargeBinary(), nullable=True))
    op.add_column("webhook_deliveries", sa.Column("body_encoding", sa.String(8), nullable=True))


def downgrade() -> None:
    # The older code cannot read packed rows, and dropping the columns would lose them.
    packed = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT 1 FROM dispute_events WHERE packed IS NOT NULL "
                "UNION ALL SELECT 1 FROM disputes WHERE raw_packed IS NOT NULL LIMIT 1"
            )
        )
        .first()
    )
    if packed is not None:
        raise RuntimeError("packed events exist: downgrading below 0007 would lose them")
    op.drop_column("webhook_deliveries", "body_encoding")
    op.drop_column("dispute_events", "packed")
    op.drop_column("disputes", "raw_packed")
