"""evidence that wins: index for held versions near their deadline

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-05 10:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The worker looks for held versions whose respond_by is near on every round.
    op.create_index("ix_disputes_held", "disputes", ["evidence_state", "respond_by"])


def downgrade() -> None:
    op.drop_index("ix_disputes_held", table_name="disputes")
