"""DISPUTES_AUTO_SUBMIT in all three modes, with the deadline rule on an injected clock."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from engine.db.models import Dispute, EvidenceState, NotificationRow, WorkState
from engine.evidence.pipeline import Outcome, respond
from engine.evidence.submit_policy.deadline import queue_deadline_submissions
from engine.runtime import Runtime
from engine.work.queue import WorkReason
from engine.work.worker import Worker
from tests.engine.evidence.pipeline.conftest import RuntimeFactory
from tests.engine.evidence.pipeline.test_respond import seed
from tests.engine.evidence.pipeline.testpay import ProcessorServer
from tests.support.evidence import regenerate

# No refund policy among the test sources: a product_unacceptable packet is incomplete.
INCOMPLETE = {"reason": "product_unacceptable", "provider_reason": "product_unacceptable"}


def respond_by(runtime: Runtime, dispute_pk: int) -> datetime:
    with runtime.database.reading() as session:
        moment = session.get_one(Dispute, dispute_pk).respond_by
    assert moment is not None
    return moment


def held_dispute(runtime: Runtime) -> int:
    """An incomplete dispute the worker answered and held, its work done (state ``idle``)."""
    dispute_pk = seed(runtime, **INCOMPLETE)
    long_before = respond_by(runtime, dispute_pk) - timedelta(days=9)
    Worker(runtime, respond, clock=lambda: long_before).drain()
    with runtime.database.reading() as session:
        dispute = session.get_one(Dispute, dispute_pk)
        assert (dispute.evidence_state, dispute.work_state) == ("ready", "idle")
    return dispute_pk


def review_messages(runtime: Runtime) -> list[str]:
    with runtime.database.reading() as session:
        rows = session.scalars(
            select(NotificationRow).where(NotificationRow.kind == "review_needed")
        )
        return [row.message or "" for row in rows]


def test_complete_mode_holds_an_incomplete_packet_and_says_what_is_missing(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(test_notifier="true")
    dispute_pk = seed(runtime, **INCOMPLETE)

    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    assert outcome.state == Outcome.READY
    assert outcome.message == "held for review: missing refund_policy or refund_policy_disclosure"
    assert processor.submissions == []
    [message] = review_messages(runtime)
    assert message == "evidence version 1 is missing refund_policy or refund_policy_disclosure"


def test_complete_mode_submits_a_complete_packet_at_once(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime()
    # a fraud dispute: the test sources give the customer's identity and the activity log
    dispute_pk = seed(runtime)

    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    assert outcome.state == Outcome.SUBMITTED
    assert [s["version"] for s in processor.submissions] == [1]


def test_true_mode_submits_even_an_incomplete_packet(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(auto_submit="true")
    outcome = respond(runtime, seed(runtime, **INCOMPLETE), WorkReason.RESPOND)
    assert outcome.state == Outcome.SUBMITTED


def test_false_mode_sends_nothing_without_a_person_regenerate_included(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(auto_submit="false")
    dispute_pk = seed(runtime)  # complete, and still held
    assert respond(runtime, dispute_pk, WorkReason.RESPOND).state == Outcome.READY
    assert regenerate(runtime, "testpay", "dp_test_1").state == Outcome.READY
    deadline = respond_by(runtime, dispute_pk)
    assert queue_deadline_submissions(runtime, deadline - timedelta(hours=1)) == 0
    assert processor.submissions == []
    assert respond(runtime, dispute_pk, WorkReason.SUBMIT).state == Outcome.SUBMITTED
    assert [s["version"] for s in processor.submissions] == [2]


def test_a_held_version_goes_out_n_hours_before_the_deadline(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime(submit_before_deadline_hours="24")
    dispute_pk = held_dispute(runtime)
    deadline = respond_by(runtime, dispute_pk)
    now = deadline - timedelta(hours=30)
    worker = Worker(runtime, respond, clock=lambda: now)

    worker.drain()
    assert processor.submissions == []  # 30 hours before: still waiting for a person

    now = deadline - timedelta(hours=23)
    worker.drain()
    assert [s["version"] for s in processor.submissions] == [1]  # the held version itself
    with runtime.database.reading() as session:
        dispute = session.get_one(Dispute, dispute_pk)
        assert dispute.evidence_state == "submitted"
        assert dispute.work_reason == WorkReason.DEADLINE
    # and nothing is queued again afterwards
    assert queue_deadline_submissions(runtime, now) == 0


@pytest.mark.parametrize(
    ("values", "reason"),
    [({"submit_before_deadline_hours": "0"}, "0 = never"), ({"auto_submit": "true"}, "mode")],
)
def test_the_deadline_rule_only_acts_in_complete_mode_with_hours_set(
    make_runtime: RuntimeFactory, processor: ProcessorServer, values: dict[str, str], reason: str
) -> None:
    runtime = make_runtime(**{"auto_submit": "complete", **values})
    dispute_pk = seed(runtime, **INCOMPLETE)
    with runtime.database.transaction() as session:
        dispute = session.get_one(Dispute, dispute_pk)
        dispute.evidence_state, dispute.work_state = (
            EvidenceState.READY,
            WorkState.IDLE,
        )  # as if held
    deadline = respond_by(runtime, dispute_pk)
    assert queue_deadline_submissions(runtime, deadline - timedelta(hours=1)) == 0, reason


def test_a_passed_deadline_is_not_swept(
    make_runtime: RuntimeFactory, processor: ProcessorServer
) -> None:
    runtime = make_runtime()
    dispute_pk = held_dispute(runtime)
    deadline = respond_by(runtime, dispute_pk)
    assert queue_deadline_submissions(runtime, deadline + timedelta(minutes=1)) == 0
    assert queue_deadline_submissions(runtime, deadline - timedelta(minutes=1)) == 1
