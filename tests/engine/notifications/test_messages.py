"""The words of every notification kind, in plain text."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from engine.disputes.model import DisputeState, Funds, Money, Stage, Status
from engine.notifications.messages import render
from engine.notifications.notifier import Notification, NotificationKind


def state(**changes: object) -> DisputeState:
    values: dict[str, object] = {
        "provider": "stripe", "dispute_id": "dp_1", "account": None,
        "stage": Stage.CHARGEBACK, "status": Status.NEEDS_RESPONSE,
        "provider_status": "needs_response", "reason": "fraudulent",
        "provider_reason": "fraudulent", "money": Money(amount=Decimal("49.00"), currency="EUR"),
        "funds": Funds.DEBITED, "network_reason_code": None,
        "respond_by": datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC), "payment_id": None,
        "customer_id": None, "customer_email": None, "customer_name": "<b>Eve</b>",
        "created_at": None, "fees": (), "submission_count": None,
        "last_event_at": datetime(2026, 11, 1, tzinfo=UTC), "raw_dispute": None,
    }  # fmt: skip
    values.update(changes)
    return DisputeState(**values)  # type: ignore[arg-type]


def text(kind: NotificationKind, detail: str | None = None, **changes: object) -> str:
    return render(Notification(kind=kind, dispute=state(**changes), detail=detail))


def test_a_new_dispute_names_amount_reason_and_respond_by() -> None:
    assert text(NotificationKind.NEW_DISPUTE, reason="general", provider_reason="odd") == (
        "New chargeback: 49.00 EUR\nstripe dp_1 · <b>Eve</b>\nReason: general (odd)\n"
        "Respond by: 2026-12-01 23:59 UTC"
    )


def test_submitted_and_manual_submission_needed() -> None:
    assert text(NotificationKind.SUBMITTED, "version 2 sent").startswith(
        "Evidence submitted: 49.00 EUR"
    )
    manual = text(NotificationKind.MANUAL_REQUIRED, respond_by=None)
    assert manual.startswith("Manual submission needed: 49.00 EUR")
    assert "send it to the processor by hand" in manual
    assert "Respond by: not given by the processor" in manual


@pytest.mark.parametrize(
    ("outcome", "headline"),
    [
        ("won", "✅ Dispute won: 49.00 EUR"),
        ("lost", "❌ Dispute lost: 49.00 EUR"),
        ("accepted", "⚠️ Dispute accepted: 49.00 EUR"),
        ("expired", "⚠️ Dispute expired: 49.00 EUR"),
        ("something-new", "⚠️ Dispute something-new: 49.00 EUR"),
    ],
)
def test_outcomes_carry_their_mark(outcome: str, headline: str) -> None:
    # the announced outcome counts, even if the dispute has moved on since
    assert text(NotificationKind.OUTCOME, outcome, status=Status.NEEDS_RESPONSE).startswith(
        headline
    )


def test_needs_attention_says_what_went_wrong() -> None:
    assert text(NotificationKind.NEEDS_ATTENTION, "processor down").splitlines() == [
        "⚠️ Needs attention: 49.00 EUR",
        "stripe dp_1 · <b>Eve</b>",
        "Problem: processor down",
    ]


def test_review_needed_names_what_is_missing_and_links_the_page() -> None:
    from engine.notifications.messages import render
    from engine.notifications.notifier import Notification, NotificationKind
    from engine.testing import make_dispute_state

    text = render(
        Notification(
            kind=NotificationKind.REVIEW_NEEDED,
            dispute=make_dispute_state(),
            detail="evidence version 1 is missing refund_policy or refund_policy_disclosure",
            dashboard_url="https://disputes.example/disputes/stripe/dp_1",
        )
    )
    assert text.splitlines()[0].startswith("Review needed: ")
    assert "Review needed: evidence version 1 is missing refund_policy" in text
    assert text.splitlines()[-1] == "https://disputes.example/disputes/stripe/dp_1"
