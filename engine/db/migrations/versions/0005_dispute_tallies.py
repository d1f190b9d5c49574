"""dispute tallies: statistics kept in the transaction of each change, not scanned

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 12:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from engine.stats.tallies import rebuild

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispute_tallies",
        sa.Column("provider", sa.String(32), primary_key=True),
        sa.Column("reason", sa.String(64), primary_key=True),
        sa.Column("status", sa.String(32), primary_key=True),
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("shard", sa.Integer, primary_key=True),
        sa.Column("disputes", sa.BigInteger, nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "month_tallies",
        sa.Column("month", sa.String(7), primary_key=True),
        sa.Column("status", sa.String(32), primary_key=True),
        sa.Column("shard", sa.Integer, primary_key=True),
        sa.Column("disputes", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "fee_tallies",
        sa.Column("currency", sa.String(3), primary_key=True),
        sa.Column("shard", sa.Integer, primary_key=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
    )
    # The disputes already stored are counted once, here; from now on the dispute book keeps
    # the tallies in the transaction of each change.
    rebuild(Session(bind=op.get_bind()))


def downgrade() -> None:
    op.drop_table("fee_tallies")
    op.drop_table("month_tallies")
    op.drop_table("dispute_tallies")
