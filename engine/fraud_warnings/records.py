"""A stored warning row as the neutral view people see (notifications, dashboard, API)."""

from __future__ import annotations

from decimal import Decimal

from engine.db.fraud_warnings import EarlyFraudWarning
from engine.disputes.model import Money
from engine.fraud_warnings.model import FraudWarningView


def view_of(row: EarlyFraudWarning) -> FraudWarningView:
    money = None
    if row.amount is not None and row.currency is not None:
        money = Money(amount=Decimal(row.amount), currency=row.currency)
    return FraudWarningView(
        provider=row.provider,
        warning_id=row.warning_id,
        charge_id=row.charge_id,
        payment_id=row.payment_id,
        fraud_type=row.fraud_type,
        actionable=row.actionable,
        money=money,
        decision=row.decision,
        decision_detail=row.decision_detail,
        refund_id=row.refund_id,
        created_at=row.created_at,
        decided_at=row.decided_at,
    )
