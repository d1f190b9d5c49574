"""The Stripe → neutral mapping table, row by row, and the rules that hold for all inputs."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.disputes.model import Funds, Stage, Status
from engine.disputes.money import to_minor_units
from engine.evidence.model import FileField, TextField
from providers.stripe import consts
from providers.stripe.mapping import MappingError, event_from_webhook, minor_to_money, snapshot_of
from providers.stripe.stripe_api import STRIPE_EVIDENCE_FIELDS

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stripe"


def dispute(**changes: Any) -> dict[str, Any]:
    base = json.loads((FIXTURES / "lifecycle_won.json").read_text())[0]["data"]["object"]
    raw: dict[str, Any] = copy.deepcopy(base)
    raw.update(changes)
    return raw


# Every row of domain/stripe.md's status table.
STATUS_TABLE = [
    ("warning_needs_response", Stage.INQUIRY, Status.NEEDS_RESPONSE),
    ("warning_under_review", Stage.INQUIRY, Status.UNDER_REVIEW),
    ("warning_closed", Stage.INQUIRY, Status.CLOSED),
    ("needs_response", Stage.CHARGEBACK, Status.NEEDS_RESPONSE),
    ("under_review", Stage.CHARGEBACK, Status.UNDER_REVIEW),
    ("appeal_needs_response", Stage.APPEAL, Status.NEEDS_RESPONSE),
    ("appeal_under_review", Stage.APPEAL, Status.UNDER_REVIEW),
    ("won", None, Status.WON),
    ("lost", None, Status.LOST),
    ("prevented", Stage.PREVENTION, Status.PREVENTED),
    ("charge_refunded", Stage.CHARGEBACK, Status.CLOSED),
    ("some_status_from_2030", None, Status.OPEN),
]


@pytest.mark.parametrize(("provider_status", "stage", "status"), STATUS_TABLE)
def test_status_table(provider_status: str, stage: Stage | None, status: Status) -> None:
    snapshot = snapshot_of(dispute(status=provider_status))
    assert (snapshot.stage, snapshot.status) == (stage, status)
    assert snapshot.provider_status == provider_status


def test_an_inquiry_has_not_debited_funds() -> None:
    assert snapshot_of(dispute(status="warning_needs_response")).funds is Funds.NOT_DEBITED


@pytest.mark.parametrize(
    ("amounts", "funds"),
    [
        ([], Funds.UNKNOWN),
        ([-4900], Funds.DEBITED),
        ([-4900, 4900], Funds.REINSTATED),
        ([-4900, 2000], Funds.PARTIALLY_REINSTATED),
        # a single minor unit either way still counts
        ([-1], Funds.DEBITED),
        ([-4900, 1], Funds.PARTIALLY_REINSTATED),
    ],
)
def test_funds_come_from_balance_transactions(amounts: list[int], funds: Funds) -> None:
    transactions = [{"amount": a, "currency": "usd", "fee": 0} for a in amounts]
    assert snapshot_of(dispute(balance_transactions=transactions)).funds is funds


@pytest.mark.parametrize(
    ("reason", "neutral"),
    [
        ("fraudulent", "fraudulent"),
        ("product_not_received", "product_not_received"),
        ("subscription_canceled", "subscription_canceled"),
        ("insufficient_funds", "general"),
        ("a_reason_from_the_future", "general"),
    ],
)
def test_reasons_keep_the_raw_word(reason: str, neutral: str) -> None:
    snapshot = snapshot_of(dispute(reason=reason))
    assert (snapshot.reason, snapshot.provider_reason) == (neutral, reason)


@pytest.mark.parametrize("due_by", [0, None])
def test_no_due_date_means_no_response_allowed(due_by: int | None) -> None:
    raw = dispute()
    raw["evidence_details"] = {**raw["evidence_details"], "due_by": due_by}
    assert snapshot_of(raw).respond_by is None


def test_due_by_becomes_respond_by_in_utc() -> None:
    assert snapshot_of(dispute()).respond_by == datetime.fromtimestamp(1764547199, tz=UTC)


def test_zero_decimal_currencies_are_not_divided() -> None:
    assert snapshot_of(dispute(amount=5000, currency="jpy")).money.amount == Decimal(5000)
    assert snapshot_of(dispute(amount=5000, currency="kwd")).money.amount == Decimal("5.000")


@pytest.mark.parametrize("bad", [{"amount": "49.00"}, {"amount": 1.5}, {"currency": "dollars"}])
def test_an_unreadable_dispute_is_a_clear_error(bad: dict[str, Any]) -> None:
    with pytest.raises(MappingError):
        snapshot_of(dispute(**bad))


CURRENCIES = st.sampled_from(["usd", "eur", "jpy", "krw", "kwd", "bhd", "gbp", "clp"])


@given(units=st.integers(min_value=0, max_value=10**15), currency=CURRENCIES)
def test_minor_units_round_trip_exactly(units: int, currency: str) -> None:
    money = minor_to_money(units, currency)
    assert to_minor_units(money, consts.currency_exponent(currency)) == units
    assert money.currency == currency.upper()


@given(status=st.text(min_size=1, max_size=40), reason=st.text(max_size=40))
def test_any_status_or_reason_maps_without_crashing(status: str, reason: str) -> None:
    snapshot = snapshot_of(dispute(status=status, reason=reason))
    assert snapshot.provider_status == status
    assert snapshot.provider_reason == reason
    if status not in consts.STATUS_MAP:
        assert snapshot.status is Status.OPEN


def test_every_neutral_evidence_field_is_a_stripe_field_of_the_same_name() -> None:
    neutral = {f.value for f in TextField} | {f.value for f in FileField}
    assert neutral <= STRIPE_EVIDENCE_FIELDS
    assert set(TextField) >= consts.LONG_TEXT_FIELDS


def test_the_dispute_keeps_the_time_stripe_opened_it() -> None:
    snapshot = snapshot_of(dispute(created=1_763_700_000))
    assert snapshot.created_at == datetime.fromtimestamp(1_763_700_000, tz=UTC)
    assert snapshot_of(dispute(created=0)).created_at is None


def test_an_impossible_event_time_is_a_mapping_error_not_a_crash() -> None:
    with pytest.raises(MappingError, match="impossible timestamp"):
        event_from_webhook("evt_1", "charge.dispute.created", 10**20, None, dispute())
