"""Storing warnings: one row per warning whatever the duplicates, and the same row whatever the
order its descriptions arrive in."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.db.fraud_warnings import EarlyFraudWarning
from engine.fraud_warnings.model import FraudWarning, RefundDecision
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.support.engine import make_runtime

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def runtime(make_settings: MakeSettings) -> Runtime:
    return make_runtime(make_settings())


def described(at: datetime, *, actionable: bool, fraud_type: str = "misc") -> FraudWarning:
    return FraudWarning(
        provider="stripe",
        warning_id="issfr_1",
        charge_id="ch_1",
        payment_id="pi_1",
        fraud_type=fraud_type,
        actionable=actionable,
        created_at=T0,
        observed_at=at,
    )


def rows(runtime: Runtime) -> list[tuple[str, bool, str, RefundDecision]]:
    with runtime.database.reading() as session:
        return [
            (r.warning_id, r.actionable, r.fraud_type, r.decision)
            for r in session.scalars(select(EarlyFraudWarning))
        ]


def test_the_same_description_three_times_is_one_new_row_then_nothing(runtime: Runtime) -> None:
    results = []
    for _ in range(3):
        with runtime.database.transaction() as session:
            results.append(runtime.fraud_warnings.record(session, described(T0, actionable=True)))
    assert results == [(True, True), (False, False), (False, False)]
    assert rows(runtime) == [("issfr_1", True, "misc", RefundDecision.RECORDED)]


@pytest.mark.parametrize(
    "order",
    list(
        itertools.permutations(
            [
                described(T0, actionable=True, fraud_type="misc"),
                described(T0, actionable=False, fraud_type="misc"),  # the same second
                described(
                    T0 + timedelta(seconds=5), actionable=False, fraud_type="made_with_lost_card"
                ),
            ]
        )
    ),
)
def test_any_order_of_descriptions_ends_in_the_same_row(
    runtime: Runtime, order: tuple[FraudWarning, ...]
) -> None:
    for warning in order:
        with runtime.database.transaction() as session:
            runtime.fraud_warnings.record(session, warning)
    assert rows(runtime) == [("issfr_1", False, "made_with_lost_card", RefundDecision.RECORDED)]
