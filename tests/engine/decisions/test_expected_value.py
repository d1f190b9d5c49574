"""The expected value of fighting: rules that hold for all inputs, and the win rate counted by
the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import TestClient

from engine.decisions.assess import win_histories
from engine.decisions.expected_value import (
    PRIOR_WIN_RATE,
    FightCase,
    Recommendation,
    WinHistory,
    expected_value,
    stripe_countered_fee,
)
from engine.disputes.model import Status
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.support.engine import add_dispute, make_runtime
from web.app import create_app

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
rates = st.decimals(min_value=0, max_value=1, places=4, allow_nan=False, allow_infinity=False)


def case(amount: Decimal, rate: Decimal, fee: Decimal, complete: bool) -> FightCase:
    return FightCase(
        amount=amount,
        dispute_fee=fee,
        countered_fee=fee,
        win_rate=rate,
        packet_complete=complete,
    )


@given(money, money, rates, money, st.booleans())
def test_more_money_at_stake_never_makes_fighting_worth_less(
    a: Decimal, b: Decimal, rate: Decimal, fee: Decimal, complete: bool
) -> None:
    low, high = sorted((a, b))
    assert (
        expected_value(case(low, rate, fee, complete)).value_of_fighting
        <= expected_value(case(high, rate, fee, complete)).value_of_fighting
    )


@given(money, rates, rates, money, st.booleans())
def test_a_better_win_rate_never_makes_fighting_worth_less(
    amount: Decimal, a: Decimal, b: Decimal, fee: Decimal, complete: bool
) -> None:
    low, high = sorted((a, b))
    assert (
        expected_value(case(amount, low, fee, complete)).value_of_fighting
        <= expected_value(case(amount, high, fee, complete)).value_of_fighting
    )


@given(money, rates, money, st.booleans())
def test_the_value_is_exact_money_never_nan_and_bounded(
    amount: Decimal, rate: Decimal, fee: Decimal, complete: bool
) -> None:
    result = expected_value(case(amount, rate, fee, complete))
    assert isinstance(result.value_of_fighting, Decimal)
    assert result.value_of_fighting.is_finite()
    assert result.value_of_fighting.as_tuple().exponent == -2
    assert -fee <= result.value_of_fighting <= amount
    assert Decimal(0) <= result.win_probability <= Decimal(1)
    assert (result.recommendation is Recommendation.FIGHT) == (result.value_of_fighting > 0)


@given(money, rates, money)
def test_an_incomplete_packet_is_never_worth_more_than_a_complete_one(
    amount: Decimal, rate: Decimal, fee: Decimal
) -> None:
    incomplete = expected_value(case(amount, rate, fee, False))
    complete = expected_value(case(amount, rate, fee, True))
    assert incomplete.value_of_fighting <= complete.value_of_fighting


def test_a_worked_example_by_hand() -> None:
    # 100.00 at 40 %, a 15.00 countered fee: 0.4 * 100 - 0.6 * 15 = 31.00
    result = expected_value(case(Decimal("100.00"), Decimal("0.4"), Decimal("15.00"), True))
    assert result.value_of_fighting == Decimal("31.00")
    assert result.recommendation is Recommendation.FIGHT
    # 10.00 at 20 % with an incomplete packet: p = 0.1; 0.1 * 10 - 0.9 * 15 = -12.50
    small = expected_value(case(Decimal("10.00"), Decimal("0.2"), Decimal("15.00"), False))
    assert small.value_of_fighting == Decimal("-12.50")
    assert small.recommendation is Recommendation.ACCEPT


@pytest.mark.parametrize(
    "bad",
    [
        case(Decimal("-1"), Decimal("0.5"), Decimal(0), True),
        case(Decimal("1"), Decimal("1.5"), Decimal(0), True),
        case(Decimal("1"), Decimal("0.5"), Decimal("-15"), True),
    ],
)
def test_impossible_inputs_are_a_clear_error(bad: FightCase) -> None:
    with pytest.raises(ValueError, match="negative|between 0 and 1"):
        expected_value(bad)


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=0, max_value=500))
def test_the_prior_pulls_few_cases_and_yields_to_many(won: int, lost: int) -> None:
    rate = WinHistory(won, lost).rate()
    assert Decimal(0) <= rate <= Decimal(1)
    if won + lost == 0:
        assert rate == PRIOR_WIN_RATE


def test_stripes_countered_fee_applies_to_us_chargebacks_since_june_2025_only() -> None:
    fee = Decimal("15.00")
    june = datetime(2025, 6, 2, tzinfo=UTC)
    may = datetime(2025, 5, 30, tzinfo=UTC)
    assert stripe_countered_fee(fee, currency="USD", inquiry=False, created_at=june) == fee
    assert stripe_countered_fee(fee, currency="USD", inquiry=True, created_at=june) == 0
    assert stripe_countered_fee(fee, currency="USD", inquiry=False, created_at=may) == 0
    assert stripe_countered_fee(fee, currency="EUR", inquiry=False, created_at=june) == 0


KEY = "dashboard-key-for-value-tests-0123"


@pytest.fixture
def runtime(make_settings: MakeSettings) -> Iterator[Runtime]:
    engine = make_runtime(make_settings(dashboard_key=KEY))
    yield engine
    engine.close()


def test_the_win_rate_per_reason_comes_from_the_database_into_the_json(runtime: Runtime) -> None:
    # Given 3 won and 1 lost fraud cases, 1 accepted (never fought), and one lost duplicate
    for index, status in enumerate([Status.WON] * 3 + [Status.LOST, Status.ACCEPTED]):
        add_dispute(runtime, f"dp_f{index}", status)
    add_dispute(runtime, "dp_d", Status.LOST, reason="duplicate")
    add_dispute(runtime, "dp_open", Status.NEEDS_RESPONSE, amount="100.00")
    with runtime.database.reading() as session:
        histories = win_histories(session)
    assert histories == {"fraudulent": WinHistory(3, 1), "duplicate": WinHistory(0, 1)}
    # (3 + 0.25 * 8) / (4 + 8) = 0.4167; no evidence built, so halved: 0.20835 * 100.00 = 20.84
    with TestClient(app=create_app(runtime)) as client:
        body = client.get(
            "/api/disputes/acme/dp_open", headers={"Authorization": f"Bearer {KEY}"}
        ).json()
        decided = client.get(
            "/api/disputes/acme/dp_f0", headers={"Authorization": f"Bearer {KEY}"}
        ).json()
    assert body["expected_value"] == {
        "currency": "USD",
        "value_of_fighting": "20.84",
        "win_probability": "0.2084",
        "win_rate_cases": 4,
        "dispute_fee": "0",
        "countered_fee": "0",
        "packet_complete": False,
        "recommendation": "fight",
    }
    assert decided["expected_value"] is None
