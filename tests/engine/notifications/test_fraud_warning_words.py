"""The early fraud warning message: amount, charge, fraud type and what was done, for every
decision, in plain text."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from engine.disputes.model import Money
from engine.fraud_warnings.model import FraudWarningView, RefundDecision
from engine.notifications.messages import render
from engine.notifications.notifier import FraudWarningNotification


def view(decision: RefundDecision, **changes: object) -> FraudWarningView:
    values: dict[str, object] = {
        "provider": "stripe",
        "warning_id": "issfr_1",
        "charge_id": "ch_1",
        "payment_id": None,
        "fraud_type": "made_with_stolen_card",
        "actionable": True,
        "money": Money(amount=Decimal("19.99"), currency="USD"),
        "decision": decision,
        "decision_detail": None,
        "refund_id": None,
        "created_at": datetime(2026, 12, 1, tzinfo=UTC),
        "decided_at": None,
        **changes,
    }
    return FraudWarningView(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("decision", list(RefundDecision))
def test_every_decision_reads_as_amount_charge_type_and_what_was_done(
    decision: RefundDecision,
) -> None:
    text = render(FraudWarningNotification(warning=view(decision)))
    lines = text.splitlines()
    assert lines[0] == "🚩 Early fraud warning: 19.99 USD"
    assert lines[1] == "stripe charge ch_1"
    assert lines[2] == "Fraud type: made with stolen card"
    assert len(lines) >= 4 and lines[3]


def test_a_refund_names_its_id_and_a_failure_its_problem_and_the_link_comes_last() -> None:
    refunded = render(
        FraudWarningNotification(
            warning=view(RefundDecision.REFUNDED, refund_id="re_9"),
            dashboard_url="https://disputes.example/early-fraud-warnings",
        )
    )
    assert "(refund re_9)" in refunded
    assert refunded.endswith("https://disputes.example/early-fraud-warnings")
    failed = render(
        FraudWarningNotification(
            warning=view(RefundDecision.REFUND_FAILED, decision_detail="Stripe refused", money=None)
        )
    )
    assert "amount not known" in failed and "Problem: Stripe refused" in failed
