"""Putting early fraud warnings into a test engine through the book (the webhook's own path),
then recording a decision as the refund worker would."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from engine.db.base import utcnow
from engine.db.fraud_warnings import EarlyFraudWarning
from engine.fraud_warnings.model import FraudWarning, RefundDecision
from engine.runtime import Runtime


def add_warning(
    runtime: Runtime,
    warning_id: str,
    *,
    created_at: datetime | None = None,
    decision: RefundDecision | None = None,
    amount: str | None = "19.99",
    currency: str = "USD",
    refund_id: str | None = None,
    detail: str | None = None,
    fraud_type: str = "made_with_stolen_card",
    charge_id: str | None = None,
) -> None:
    moment = created_at or utcnow() - timedelta(minutes=5)
    warning = FraudWarning(
        provider="stripe",
        warning_id=warning_id,
        charge_id=charge_id or f"ch_{warning_id}",
        payment_id=f"pi_{warning_id}",
        fraud_type=fraud_type,
        actionable=True,
        created_at=moment,
        observed_at=moment,
    )
    with runtime.database.transaction() as session:
        runtime.fraud_warnings.record(session, warning)
        if decision is None:
            return
        row = session.scalars(
            select(EarlyFraudWarning).where(EarlyFraudWarning.warning_id == warning_id)
        ).one()
        row.decision, row.decision_detail, row.refund_id = decision, detail, refund_id
        row.amount, row.currency = amount, currency if amount is not None else None
        row.decided_at = utcnow()
        row.work_not_before = None
