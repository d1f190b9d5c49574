"""The Paystand mapping table (domain/paystand.md), row by row, and exact amounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.disputes.model import Funds, Money, Reason, Stage, Status
from providers.paystand.consts import STATUSES
from providers.paystand.mapping import (
    UnreadableRecord,
    json_decoder,
    read_resource,
    to_event,
    to_snapshot,
)


def resource(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "object": "dispute",
        "id": "l0j286qvs32jp1hcybcfpe7n",
        "amount": "798.29",
        "currency": "USD",
        "fees": [],
        "paymentId": "uqyfsnsara28pmmvq97ki0y5",
        "resourceType": "Payment",
        "reason": "fraudulent",
        "status": "created",
        "created": "2025-07-15T20:50:08.000Z",
        "lastUpdated": "2025-07-15T20:50:11.000Z",
        "resource": {
            "object": "payment",
            "amount": 798.29,
            "payer": {"id": "payer1", "name": "Juan", "email": "juan@example.com"},
        },
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("paystand_status", "status"),
    [
        ("created", Status.RECEIVED),
        ("processing", Status.RECEIVED),
        ("acceptingEvidence", Status.NEEDS_RESPONSE),
        ("active", Status.OPEN),
        ("underReview", Status.UNDER_REVIEW),
        ("won", Status.WON),
        ("lost", Status.LOST),
        ("failed", Status.FAILED),
    ],
)
def test_every_row_of_the_status_table(paystand_status: str, status: Status) -> None:
    snapshot = to_snapshot(read_resource(resource(status=paystand_status)))
    assert snapshot.stage is Stage.CHARGEBACK
    assert snapshot.status is status
    assert snapshot.provider_status == paystand_status


def test_the_table_covers_both_documented_vocabularies_and_nothing_else() -> None:
    webhook_page = {"created", "processing", "active", "won", "lost", "failed"}
    object_page = {"created", "processing", "acceptingEvidence", "underReview", "won", "lost"}
    assert set(STATUSES) == webhook_page | object_page


def test_failed_needs_a_human_and_is_not_final() -> None:
    snapshot = to_snapshot(read_resource(resource(status="failed")))
    assert snapshot.status is Status.FAILED
    assert not snapshot.status.is_final


@pytest.mark.parametrize("word", ["disputeEscalated", "", "WON", "won "])
def test_unknown_status_is_kept_raw_and_reads_open(word: str) -> None:
    snapshot = to_snapshot(read_resource(resource(status=word)))
    assert (snapshot.status, snapshot.provider_status) == (Status.OPEN, word)
    assert snapshot.funds is Funds.UNKNOWN


@pytest.mark.parametrize(
    ("reason", "neutral"),
    [
        ("fraudulent", Reason.FRAUDULENT),
        ("duplicate", Reason.DUPLICATE),
        ("product_not_received", Reason.PRODUCT_NOT_RECEIVED),
        ("product_unacceptable", Reason.PRODUCT_UNACCEPTABLE),
        ("credit_not_processed", Reason.CREDIT_NOT_PROCESSED),
        ("general", Reason.GENERAL),
        ("something_new", Reason.GENERAL),
        (None, Reason.GENERAL),
    ],
)
def test_reasons_are_an_open_set(reason: str | None, neutral: Reason) -> None:
    snapshot = to_snapshot(read_resource(resource(reason=reason)))
    assert snapshot.reason == neutral.value
    assert snapshot.provider_reason == reason


@pytest.mark.parametrize(
    ("amount_won", "funds"),
    [
        (None, Funds.REINSTATED),
        ("798.29", Funds.REINSTATED),
        ("400.00", Funds.PARTIALLY_REINSTATED),
        ("0.50", Funds.PARTIALLY_REINSTATED),
        ("0.00", Funds.DEBITED),
    ],
)
def test_won_is_partial_when_less_than_the_amount_came_back(
    amount_won: str | None, funds: Funds
) -> None:
    snapshot = to_snapshot(read_resource(resource(status="won", amountWon=amount_won)))
    assert snapshot.status is Status.WON
    assert snapshot.funds is funds


@pytest.mark.parametrize(
    ("status", "funds"),
    [
        ("created", Funds.UNKNOWN),
        ("processing", Funds.DEBITED),
        ("active", Funds.DEBITED),
        ("lost", Funds.DEBITED),
        ("failed", Funds.UNKNOWN),
    ],
)
def test_funds_follow_the_status(status: str, funds: Funds) -> None:
    assert to_snapshot(read_resource(resource(status=status))).funds is funds


def test_fee_customer_payment_and_no_deadline() -> None:
    fee = {"object": "fee", "id": "f1", "amount": "35.00", "currency": "usd"}
    snapshot = to_snapshot(read_resource(resource(status="processing", fees=[fee], currency="usd")))
    assert snapshot.money == Money(Decimal("798.29"), "USD")
    assert snapshot.fees == (Money(Decimal("35.00"), "USD"),)
    assert str(snapshot.fees[0].amount) == "35.00"
    assert snapshot.payment_id == "uqyfsnsara28pmmvq97ki0y5"
    assert (snapshot.customer_name, snapshot.customer_email) == ("Juan", "juan@example.com")
    assert snapshot.respond_by is None


def test_older_object_names_its_fee_in_dispute_fee() -> None:
    snapshot = to_snapshot(read_resource(resource(fees=[], disputeFee="35.00")))
    assert snapshot.fees == (Money(Decimal("35.00"), "USD"),)


def test_event_happens_when_the_api_says_the_dispute_changed() -> None:
    event = to_event(resource(), event_id="evt1")
    assert event.event_id == "evt1"
    assert event.occurred_at.isoformat() == "2025-07-15T20:50:11+00:00"
    assert event.type == "dispute.created"


def test_snapshot_ids_are_stable_for_an_unchanged_dispute_and_change_with_it() -> None:
    first, again = to_event(resource()), to_event(resource())
    changed = to_event(resource(status="won", lastUpdated="2025-08-01T00:00:00.000Z"))
    assert first.event_id == again.event_id
    assert first.event_id != changed.event_id


@pytest.mark.parametrize(
    "bad",
    [
        {"amount": 798.29},  # a JSON number: refused rather than risk a float
        {"amount": "7.98e2"},
        {"amount": "NaN"},
        {"amount": "1,000.00"},
        {"currency": "US"},
        {"id": None},
        {"lastUpdated": "yesterday"},
        {"fees": [{"amount": 35}]},
    ],
)
def test_unreadable_dispute_is_refused_with_a_reason(bad: dict[str, Any]) -> None:
    with pytest.raises(UnreadableRecord, match="Paystand dispute"):
        to_event(resource(**bad))


def test_an_unreadable_dispute_is_named_by_its_id_or_a_question_mark() -> None:
    named = resource(fees=[{"amount": 35}])
    with pytest.raises(UnreadableRecord, match=f"Paystand dispute {named['id']} cannot be read"):
        to_event(named)
    with pytest.raises(UnreadableRecord, match=r"Paystand dispute \? cannot be read"):
        to_event(resource(id=None))


def test_no_float_survives_in_the_raw_copy() -> None:
    raw = json_decoder.decode(msgspec.json.encode(resource()))
    event = to_event(raw)
    assert event.raw_dispute is not None
    assert _floats(event.raw_dispute) == []
    assert event.raw_dispute["resource"]["amount"] == "798.29"  # type: ignore[index]


def _floats(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for item in value.values() for f in _floats(item)]
    if isinstance(value, list):
        return [f for item in value for f in _floats(item)]
    return []


@given(
    units=st.integers(min_value=0, max_value=10**15),
    places=st.integers(min_value=0, max_value=6),
)
def test_any_decimal_string_round_trips_exactly(units: int, places: int) -> None:
    text = str(units) if places == 0 else f"{units // 10**places}.{units % 10**places:0{places}d}"
    snapshot = to_snapshot(read_resource(resource(amount=text, amountWon=text, status="won")))
    assert isinstance(snapshot.money.amount, Decimal)
    assert format(snapshot.money.amount, "f") == text
    assert snapshot.money.amount == Decimal(text)


@given(st.from_regex(r"-?[0-9]{1,5}(\.[0-9]{1,3})?(e[0-9])?|[0-9 ,.+]{1,8}", fullmatch=True))
def test_text_is_either_an_exact_amount_or_refused(text: str) -> None:
    try:
        snapshot = to_snapshot(read_resource(resource(amount=text)))
    except UnreadableRecord:
        return
    assert snapshot.money.amount == Decimal(text.strip())
    assert "e" not in text
