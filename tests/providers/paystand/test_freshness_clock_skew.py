"""The clock-skew boundary of Paystand's freshness rule, in plain minutes: a claim up to ten
minutes ahead of our clock is believed, anything further ahead is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from providers.paystand.freshness import Freshness, judge

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
API = NOW - timedelta(days=3)


def test_a_claim_ten_minutes_ahead_of_our_clock_is_still_plausible() -> None:
    # Given the API days behind, when the body claims a change exactly ten minutes from now
    # Then Paystand's clock may be that far ahead: the delivery waits for the API
    assert judge(NOW + timedelta(minutes=10), API, NOW) is Freshness.API_BEHIND


def test_a_claim_more_than_ten_minutes_ahead_is_implausible() -> None:
    just_past = NOW + timedelta(minutes=10, milliseconds=1)
    assert judge(just_past, API, NOW) is Freshness.IMPLAUSIBLE
    assert judge(NOW + timedelta(minutes=11), API, NOW) is Freshness.IMPLAUSIBLE
