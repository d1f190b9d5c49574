"""early fraud warnings: their table, and notifications about a warning instead of a dispute

Revision ID: 0009_early_fraud_warnings
Revises: 0007
Create Date: 2026-12-06 10:00:00
"""

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0009_early_fraud_warnings"
down_revision: str | None = "0008_reconcile_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "early_fraud_warnings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("warning_id", sa.String(length=255), nullable=False),
        sa.Column("account", sa.String(length=255), nullable=True),
        sa.Column("charge_id", sa.String(length=255), nullable=False),
        sa.Column("payment_id", sa.String(length=255), nullable=True),
        sa.Column("amount", sa.String(length=40), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("fraud_type", sa.Text(), nullable=False),
        sa.Column("actionable", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("observed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=40), nullable=False),
        sa.Column("decision_detail", sa.Text(), nullable=True),
        sa.Column("refund_id", sa.String(length=255), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("work_not_before", sa.DateTime(timezone=True), nullable=True),
        sa.Column("work_claimed_by", sa.String(length=128), nullable=True),
        sa.Column("work_attempts", sa.Integer(), nullable=False),
        sa.Column("work_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_early_fraud_warnings")),
        sa.UniqueConstraint(
            "provider", "warning_id", name=op.f("uq_early_fraud_warnings_provider_warning_id")
        ),
    )
    op.create_index("ix_early_fraud_warnings_listing", "early_fraud_warnings", ["created_at", "id"])
    op.create_index("ix_early_fraud_warnings_due", "early_fraud_warnings", ["work_not_before"])
    with _quiet_reflection(), op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("dispute_pk", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("fraud_warning_pk", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notifications_fraud_warning_pk_early_fraud_warnings"),
            "early_fraud_warnings",
            ["fraud_warning_pk"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_notifications_one_subject"),
            "(dispute_pk IS NULL) <> (fraud_warning_pk IS NULL)",
        )


def downgrade() -> None:
    op.execute("DELETE FROM notifications WHERE fraud_warning_pk IS NOT NULL")
    with _quiet_reflection(), op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notifications_one_subject"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_notifications_fraud_warning_pk_early_fraud_warnings"),
            type_="foreignkey",
        )
        batch_op.drop_column("fraud_warning_pk")
        batch_op.alter_column("dispute_pk", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_early_fraud_warnings_due", table_name="early_fraud_warnings")
    op.drop_index("ix_early_fraud_warnings_listing", table_name="early_fraud_warnings")
    op.drop_table("early_fraud_warnings")


@contextmanager
def _quiet_reflection() -> Iterator[None]:
    """SQLite's batch mode rebuilds the table from a reflection, which warns on stderr about
    the expression indexes of ``disputes`` it cannot read (they are left untouched): a command
    that upgrades on start must still print one line, or none."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        yield
