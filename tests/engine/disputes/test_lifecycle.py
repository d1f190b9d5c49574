"""The lifecycle rules (docs/architecture.md, "The lifecycle"), for all inputs."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.disputes.lifecycle import fold
from engine.disputes.model import (
    CustomerFound,
    Described,
    DisputeEvent,
    DisputeSnapshot,
    EvidenceSent,
    Funds,
    FundsMoved,
    Money,
    Reason,
    Stage,
    Status,
)
from tests.engine.strategies import BASE, dispute_events, snapshots

MANY = settings(max_examples=500, deadline=None)


def event(
    event_id: str,
    seconds: int,
    status: Status,
    stage: Stage | None = Stage.CHARGEBACK,
    *,
    funds: Funds = Funds.UNKNOWN,
    provider_status: str | None = None,
) -> Described:
    return Described(
        provider="acme",
        event_id=event_id,
        dispute_id="dp_1",
        type="dispute.updated",
        occurred_at=BASE + timedelta(seconds=seconds),
        snapshot=DisputeSnapshot(
            stage=stage,
            status=status,
            provider_status=provider_status or status.value,
            reason=Reason.FRAUDULENT,
            provider_reason="fraudulent",
            money=Money(amount=Decimal("49.00"), currency="USD"),
            funds=funds,
        ),
    )


@MANY
@given(events=dispute_events(), copies=st.data())
def test_applying_an_event_again_changes_nothing(
    events: list[DisputeEvent], copies: st.DataObject
) -> None:
    # Given a dispute's events, each delivered 1-5 times in some order
    duplicated = [e for e in events for _ in range(copies.draw(st.integers(1, 5)))]
    shuffled = copies.draw(st.permutations(duplicated))
    # Then the state is the state of the events delivered once
    assert fold(shuffled) == fold(events)


@MANY
@given(events=dispute_events(), data=st.data())
def test_any_order_of_events_ends_in_the_same_state(
    events: list[DisputeEvent], data: st.DataObject
) -> None:
    assert fold(data.draw(st.permutations(events))) == fold(events)


@MANY
@given(
    events=dispute_events(snapshot_strategy=snapshots(stages=st.sampled_from(Stage))),
    data=st.data(),
)
def test_a_final_status_never_returns_to_an_open_one_within_its_stage(
    events: list[DisputeEvent], data: st.DataObject
) -> None:
    # Given events that name their stage, some of them final
    state = fold(data.draw(st.permutations(events)))
    assert state is not None
    latest_stage = max(
        (e.snapshot.stage for e in events if isinstance(e, Described) and e.snapshot.stage),
        key=lambda stage: stage.rank,
    )
    final_there = [
        e
        for e in events
        if isinstance(e, Described)
        and e.snapshot.stage is latest_stage
        and e.snapshot.status.is_final
    ]
    # Then the dispute is in the latest stage, and final if anything there was final
    assert state.stage is latest_stage
    if final_there:
        assert state.status.is_final


@MANY
@given(
    closed=st.sampled_from([Status.WON, Status.LOST, Status.ACCEPTED, Status.EXPIRED]),
    reopened=st.sampled_from([Status.NEEDS_RESPONSE, Status.UNDER_REVIEW, Status.RECEIVED]),
    later=st.sampled_from([Stage.APPEAL, Stage.PRE_ARBITRATION, Stage.ARBITRATION]),
    lost_at=st.integers(0, 40),
    reopened_at=st.integers(0, 40),
    data=st.data(),
)
def test_a_later_stage_reopens_a_closed_dispute(
    closed: Status,
    reopened: Status,
    later: Stage,
    lost_at: int,
    reopened_at: int,
    data: st.DataObject,
) -> None:
    # Given a chargeback that ended, and the same dispute escalated to a later stage
    events = [
        event("evt_open", 0, Status.NEEDS_RESPONSE),
        event("evt_closed", lost_at, closed),
        event("evt_later", reopened_at, reopened, later),
    ]
    # Then it is open again, in the later stage, whatever the order and timestamps
    state = fold(data.draw(st.permutations(events)))
    assert state is not None
    assert (state.stage, state.status) == (later, reopened)


@MANY
@given(raw=st.text(min_size=1, max_size=500), data=st.data())
def test_unknown_provider_statuses_are_kept_raw(raw: str, data: st.DataObject) -> None:
    # Given a provider status nobody mapped (the provider maps it to open, keeping its words)
    events = [event("evt_1", 0, Status.OPEN, provider_status=raw)]
    state = fold(events)
    # Then nothing crashes and the raw word survives verbatim
    assert state is not None
    assert (state.status, state.provider_status) == (Status.OPEN, raw)


def test_stage_less_outcome_closes_the_stage_running_at_that_moment() -> None:
    # Given a lost chargeback (Stripe's "lost" names no stage), an appeal, then a won appeal
    events = [
        event("evt_1", 0, Status.NEEDS_RESPONSE),
        event("evt_2", 10, Status.LOST, stage=None),
        event("evt_3", 20, Status.NEEDS_RESPONSE, Stage.APPEAL),
        event("evt_4", 30, Status.WON, stage=None),
    ]
    state = fold(events)
    assert state is not None
    assert (state.stage, state.status) == (Stage.APPEAL, Status.WON)
    # And before the appeal was decided, the lost chargeback did not shadow the open appeal
    state = fold(events[:3])
    assert state is not None
    assert (state.stage, state.status) == (Stage.APPEAL, Status.NEEDS_RESPONSE)


def test_funds_reinstated_on_a_lost_dispute_is_not_a_win() -> None:
    # Given a lost dispute whose funds are then reinstated (a refund of the fee, say)
    lost = event("evt_1", 0, Status.LOST, funds=Funds.DEBITED)
    reinstated = FundsMoved(
        provider="acme",
        event_id="evt_2",
        dispute_id="dp_1",
        type="dispute.funds_reinstated",
        occurred_at=BASE + timedelta(seconds=5),
        funds=Funds.REINSTATED,
    )
    state = fold([reinstated, lost])
    assert state is not None
    # Then the money moved, the status did not
    assert (state.status, state.funds) == (Status.LOST, Funds.REINSTATED)


def test_engine_acceptance_turns_the_processors_lost_into_accepted() -> None:
    accepted = event("engine:accept", 5, Status.ACCEPTED)
    lost = event("evt_lost", 9, Status.LOST, stage=None)
    state = fold([event("evt_1", 0, Status.NEEDS_RESPONSE), lost, accepted])
    assert state is not None
    assert state.status is Status.ACCEPTED


def test_open_reads_under_review_once_evidence_was_handed_over() -> None:
    active = event("evt_active", 0, Status.OPEN, provider_status="active")
    sent = EvidenceSent(
        provider="acme",
        event_id="engine:evidence_sent:dp_1:v1",
        dispute_id="dp_1",
        type="engine.evidence_sent",
        occurred_at=BASE + timedelta(seconds=3),
    )
    before = fold([active])
    after = fold([active, sent])
    assert before is not None and after is not None
    assert (before.status, after.status) == (Status.OPEN, Status.UNDER_REVIEW)
    assert after.provider_status == "active"


def test_nothing_to_fold_without_a_description_of_the_dispute() -> None:
    money_only = FundsMoved(
        provider="acme",
        event_id="evt_1",
        dispute_id="dp_1",
        type="dispute.funds_withdrawn",
        occurred_at=BASE,
        funds=Funds.DEBITED,
    )
    assert fold([]) is None
    assert fold([money_only]) is None


def test_the_customer_fills_gaps_but_never_overrides_the_processor() -> None:
    from engine.disputes.model import CustomerIdentity

    anonymous = event("evt_1", 0, Status.NEEDS_RESPONSE)
    identified = CustomerFound(
        provider="acme",
        event_id="engine:customer:dp_1:x",
        dispute_id="dp_1",
        type="engine.customer_identified",
        occurred_at=BASE + timedelta(seconds=5),
        customer=CustomerIdentity(email="jane@example.com", name="Jane"),
    )
    state = fold([anonymous, identified])
    assert state is not None
    assert (state.customer_email, state.customer_name, state.status) == (
        "jane@example.com",
        "Jane",
        Status.NEEDS_RESPONSE,
    )
    assert anonymous.snapshot is not None  # narrows for the type checker; event() always sets it
    # A later description by the processor that names the customer wins over the engine's
    named = Described(
        provider="acme",
        event_id="evt_2",
        dispute_id="dp_1",
        type="dispute.updated",
        occurred_at=BASE + timedelta(seconds=9),
        snapshot=msgspec.structs.replace(
            anonymous.snapshot, customer_email="card-holder@example.com"
        ),
    )
    state = fold([named, anonymous, identified])
    assert state is not None
    assert (state.customer_email, state.customer_name) == ("card-holder@example.com", "Jane")
