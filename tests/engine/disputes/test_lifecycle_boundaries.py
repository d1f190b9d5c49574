"""Lifecycle rules at their edges: an outcome at the very moment a stage opened, and the
customer's identity kept field by field."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import msgspec

from engine.disputes.lifecycle import fold
from engine.disputes.model import (
    CustomerFound,
    CustomerIdentity,
    Described,
    DisputeSnapshot,
    Funds,
    Money,
    Reason,
    Stage,
    Status,
)
from tests.engine.strategies import BASE


def described(event_id: str, seconds: int, status: Status, stage: Stage | None) -> Described:
    return Described(
        provider="acme",
        event_id=event_id,
        dispute_id="dp_1",
        type="dispute.updated",
        occurred_at=BASE + timedelta(seconds=seconds),
        snapshot=DisputeSnapshot(
            stage=stage,
            status=status,
            provider_status=status.value,
            reason=Reason.FRAUDULENT,
            provider_reason="fraudulent",
            money=Money(amount=Decimal("49.00"), currency="USD"),
        ),
    )


def test_an_outcome_at_the_moment_a_stage_opened_closes_that_stage() -> None:
    # Given an inquiry that became a chargeback at t=10
    inquiry = described("evt_1", 0, Status.NEEDS_RESPONSE, Stage.INQUIRY)
    chargeback = described("evt_2", 10, Status.NEEDS_RESPONSE, Stage.CHARGEBACK)
    # When an outcome that names no stage carries exactly the chargeback's timestamp
    won = described("evt_3", 10, Status.WON, None)
    state = fold([inquiry, chargeback, won])
    # Then it decides the chargeback (the stage open at that instant), not the inquiry
    assert state is not None
    assert (state.stage, state.status) == (Stage.CHARGEBACK, Status.WON)


def test_an_outcome_just_before_a_stage_opened_belongs_to_the_earlier_stage() -> None:
    inquiry = described("evt_1", 0, Status.NEEDS_RESPONSE, Stage.INQUIRY)
    chargeback = described("evt_2", 10, Status.NEEDS_RESPONSE, Stage.CHARGEBACK)
    closed = described("evt_3", 9, Status.WON, None)
    state = fold([inquiry, chargeback, closed])
    assert state is not None
    assert (state.stage, state.status) == (Stage.CHARGEBACK, Status.NEEDS_RESPONSE)


def test_the_customer_id_email_and_name_each_come_from_their_own_field() -> None:
    # Given a dispute and the engine's own identification of its customer
    dispute = described("evt_1", 0, Status.NEEDS_RESPONSE, Stage.CHARGEBACK)
    identified = CustomerFound(
        provider="acme",
        event_id="engine:customer:dp_1:x",
        dispute_id="dp_1",
        type="engine.customer_identified",
        occurred_at=BASE + timedelta(seconds=5),
        customer=CustomerIdentity(customer_id="cus_42", email="jane@example.com", name="Jane"),
    )
    # When the events are folded
    state = fold([dispute, identified])
    # Then the id is the customer id, never the name or the email
    assert state is not None
    assert state.customer_id == "cus_42"
    assert state.customer_email == "jane@example.com"
    assert state.customer_name == "Jane"


def test_the_decisive_snapshots_own_customer_fields_win_field_by_field() -> None:
    # Given a snapshot that names the customer's id, email and name itself
    plain = described("evt_1", 0, Status.NEEDS_RESPONSE, Stage.CHARGEBACK)
    assert plain.snapshot is not None
    decisive = msgspec.structs.replace(
        plain,
        snapshot=msgspec.structs.replace(
            plain.snapshot,
            customer_id="cus_7",
            customer_email="ann@example.com",
            customer_name="Ann",
        ),
    )
    state = fold([decisive])
    assert state is not None
    assert (state.customer_id, state.customer_email, state.customer_name) == (
        "cus_7",
        "ann@example.com",
        "Ann",
    )


def test_an_outcome_before_any_named_stage_belongs_to_the_first_stage_seen() -> None:
    # Given an inquiry first seen at t=10, and an outcome naming no stage stamped t=5 (the
    # processor's clock, or an event about the inquiry delivered with an older time)
    inquiry = described("evt_1", 10, Status.NEEDS_RESPONSE, Stage.INQUIRY)
    closed = described("evt_2", 5, Status.WON, None)
    state = fold([inquiry, closed])
    # Then it is placed in the inquiry, the only stage there is — not in a chargeback
    assert state is not None
    assert state.stage is Stage.INQUIRY


def test_at_the_same_instant_money_taken_outranks_money_not_taken() -> None:
    # Two events at one instant: whichever id sorts last, the further movement of money wins
    not_debited = msgspec.structs.replace(
        described("evt_b", 0, Status.NEEDS_RESPONSE, Stage.CHARGEBACK), funds=Funds.NOT_DEBITED
    )
    debited = msgspec.structs.replace(
        described("evt_a", 0, Status.NEEDS_RESPONSE, Stage.CHARGEBACK), funds=Funds.DEBITED
    )
    state = fold([not_debited, debited])
    assert state is not None
    assert state.funds is Funds.DEBITED
