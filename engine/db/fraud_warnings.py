"""The ``early_fraud_warnings`` table: one row per warning, its refund decision, and its work.

The row is its own work queue: a warning whose decision is still open (``recorded``,
``refund_pending``) is due at ``work_not_before``; a worker claims it by pushing that moment a
lease ahead (``SKIP LOCKED`` on PostgreSQL), and sets it to ``NULL`` once the decision is final.
Written by :class:`engine.fraud_warnings.book.FraudWarningBook` and the refund worker only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db.base import Base, StrEnumColumn, utcnow
from engine.fraud_warnings.model import RefundDecision


class EarlyFraudWarning(Base):
    __tablename__ = "early_fraud_warnings"
    __table_args__ = (
        UniqueConstraint("provider", "warning_id"),
        # The list, newest first, by keyset (created_at, id).
        Index("ix_early_fraud_warnings_listing", "created_at", "id"),
        # The worker's search for due work: a seek on one short range; final rows are NULL.
        Index("ix_early_fraud_warnings_due", "work_not_before"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    warning_id: Mapped[str] = mapped_column(String(255))
    account: Mapped[str | None] = mapped_column(String(255))
    charge_id: Mapped[str] = mapped_column(String(255))
    payment_id: Mapped[str | None] = mapped_column(String(255))
    amount: Mapped[str | None] = mapped_column(String(40))
    """The charge's amount, exact decimal text in major units; ``NULL`` until the charge is read."""
    currency: Mapped[str | None] = mapped_column(String(3))
    fraud_type: Mapped[str] = mapped_column(Text)
    """The processor's word, verbatim."""
    actionable: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime]
    """When the processor raised the warning."""
    observed_at: Mapped[datetime]
    """The time of the latest event that described it: an older event never overwrites."""
    decision: Mapped[RefundDecision] = mapped_column(
        StrEnumColumn(RefundDecision, 40), default=RefundDecision.RECORDED
    )
    decision_detail: Mapped[str | None] = mapped_column(Text)
    refund_id: Mapped[str | None] = mapped_column(String(255))
    decided_at: Mapped[datetime | None]
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    work_not_before: Mapped[datetime | None]
    work_claimed_by: Mapped[str | None] = mapped_column(String(128))
    work_attempts: Mapped[int] = mapped_column(Integer, default=0)
    work_error: Mapped[str | None] = mapped_column(Text)
