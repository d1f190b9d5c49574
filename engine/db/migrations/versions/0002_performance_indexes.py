"""performance indexes (#11): the keyset order and every list filter, events by dispute

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SORT = sa.text("coalesce(created_at, first_seen_at)")
_FILTERS = ("status", "provider", "reason", "stage")


def upgrade() -> None:
    op.create_index("ix_dispute_events_dispute_pk", "dispute_events", ["dispute_pk"])
    op.create_index("ix_disputes_sort", "disputes", [_SORT, "id"])
    for name in _FILTERS:
        op.create_index(f"ix_disputes_{name}_sort", "disputes", [name, _SORT, "id"])


def downgrade() -> None:
    for name in _FILTERS:
        op.drop_index(f"ix_disputes_{name}_sort", table_name="disputes")
    op.drop_index("ix_disputes_sort", table_name="disputes")
    op.drop_index("ix_dispute_events_dispute_pk", table_name="dispute_events")
