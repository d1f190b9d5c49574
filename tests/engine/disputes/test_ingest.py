"""Applying events: one transaction, stored once, idempotent across processes — on SQLite and
PostgreSQL alike (``database_url`` runs each test on both)."""

from __future__ import annotations

import multiprocessing
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import (
    Dispute,
    DisputeEventRow,
    EventSource,
    WebhookDelivery,
    WebhookOutcome,
    WorkState,
)
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import (
    Described,
    DisputeEvent,
    DisputeSnapshot,
    Funds,
    Money,
    Reason,
    Stage,
    Status,
)
from engine.disputes.outcomes import EventOutcome
from engine.plugins.provider import Accepted, Ignored, Rejected
from tests.engine.strategies import BASE


def dispute_event(
    event_id: str, status: Status, seconds: int = 0, dispute_id: str = "dp_1"
) -> DisputeEvent:
    return Described(
        provider="acme",
        event_id=event_id,
        dispute_id=dispute_id,
        type="dispute.updated",
        occurred_at=BASE + timedelta(seconds=seconds),
        snapshot=DisputeSnapshot(
            stage=Stage.CHARGEBACK,
            status=status,
            provider_status=status.value,
            reason=Reason.FRAUDULENT,
            provider_reason="fraudulent",
            money=Money(amount=Decimal("798.29"), currency="USD"),
            funds=Funds.DEBITED,
            respond_by=BASE + timedelta(days=7),
        ),
    )


def delivery(*events: DisputeEvent) -> Accepted:
    return Accepted(event_id=events[0].event_id, event_type="dispute.updated", events=events)


@pytest.fixture
def book(database_url: str) -> DisputeBook:
    database = Database(database_url)
    upgrade(database)
    return DisputeBook(database)


def count(session: Session, model: type[object]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_delivery_is_stored_and_applied(book: DisputeBook) -> None:
    outcome = book.record_delivery(
        "acme", delivery(dispute_event("evt_1", Status.NEEDS_RESPONSE)), b"{}"
    )
    assert outcome.outcome == "applied"
    assert outcome.events[0].new_dispute
    with book.database.reading() as session:
        dispute = session.scalars(select(Dispute)).one()
        assert (dispute.status, dispute.amount, dispute.currency) == (
            "needs_response",
            "798.29",
            "USD",
        )
        assert dispute.respond_by == BASE + timedelta(days=7)
        # A dispute that needs a response gets evidence work queued in the same transaction
        assert dispute.work_state == WorkState.QUEUED
        assert count(session, WebhookDelivery) == 1


def test_the_same_event_twice_changes_nothing_the_second_time(book: DisputeBook) -> None:
    first = book.record_delivery(
        "acme", delivery(dispute_event("evt_1", Status.UNDER_REVIEW)), b"{}"
    )
    second = book.record_delivery(
        "acme", delivery(dispute_event("evt_1", Status.UNDER_REVIEW)), b"{}"
    )
    assert (first.outcome, second.outcome) == ("applied", "duplicate")
    assert second.events[0].duplicate and not second.events[0].changed
    with book.database.reading() as session:
        assert count(session, DisputeEventRow) == 1
        assert count(session, WebhookDelivery) == 2  # every delivery is kept for the record


def test_events_in_any_order_end_in_the_same_state(book: DisputeBook) -> None:
    book.apply_one(dispute_event("evt_3", Status.WON, seconds=30), source=EventSource.WEBHOOK)
    book.apply_one(
        dispute_event("evt_1", Status.NEEDS_RESPONSE, seconds=0), source=EventSource.WEBHOOK
    )
    book.apply_one(
        dispute_event("evt_2", Status.UNDER_REVIEW, seconds=10), source=EventSource.WEBHOOK
    )
    with book.database.reading() as session:
        dispute = session.scalars(select(Dispute)).one()
        assert dispute.status == "won"
        applied = dict(
            session.execute(select(DisputeEventRow.event_id, DisputeEventRow.applied)).all()
        )
    # Only the event that changed the state counts as applied
    assert applied == {"evt_3": True, "evt_1": False, "evt_2": False}


def test_ignored_and_rejected_deliveries_are_recorded_without_touching_disputes(
    book: DisputeBook,
) -> None:
    book.record_delivery(
        "acme",
        Ignored(event_id="evt_x", event_type="charge.succeeded", reason="not a dispute"),
        b"{}",
    )
    book.record_delivery(
        "acme", Rejected(status_code=400, reason="unknown dispute", store=True), b"{}"
    )
    with book.database.reading() as session:
        outcomes = sorted(session.scalars(select(WebhookDelivery.outcome)).all())
        assert outcomes == ["ignored", "rejected"]
        assert count(session, Dispute) == 0


def test_applying_is_one_transaction_never_half(database_url: str) -> None:
    # Given a book whose after-apply step fails (a bug, a lost connection…)
    database = Database(database_url)
    upgrade(database)

    def explode(session: Session, dispute: Dispute, outcome: EventOutcome) -> None:
        raise RuntimeError("crash mid-apply")

    book = DisputeBook(database, after_apply=[explode])
    # When a delivery is applied
    with pytest.raises(RuntimeError):
        book.record_delivery("acme", delivery(dispute_event("evt_1", Status.NEEDS_RESPONSE)), b"{}")
    # Then nothing of it was stored: the processor's retry will apply it whole
    with database.reading() as session:
        assert count(session, WebhookDelivery) == 0
        assert count(session, DisputeEventRow) == 0
        assert count(session, Dispute) == 0


def _apply_in_child(
    url: str,
    barrier: multiprocessing.synchronize.Barrier,
    rounds: int,
    queue: multiprocessing.Queue[list[tuple[WebhookOutcome, bool, bool]]],
) -> None:
    book = DisputeBook(Database(url))
    results = []
    for index in range(rounds):
        event = dispute_event(f"evt_{index}", Status.NEEDS_RESPONSE, dispute_id=f"dp_{index}")
        barrier.wait(timeout=60)
        outcome = book.record_delivery("acme", delivery(event), b"{}")
        results.append((outcome.outcome, outcome.events[0].new_dispute, outcome.events[0].changed))
    queue.put(results)


def test_two_processes_applying_the_same_event_at_once_leave_one_row_and_one_change(
    database_url: str,
) -> None:
    upgrade(Database(database_url))
    context = multiprocessing.get_context("spawn")
    rounds = 15
    barrier = context.Barrier(2)
    queue = context.Queue()
    workers = [
        context.Process(target=_apply_in_child, args=(database_url, barrier, rounds, queue))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    # In every round exactly one process applied the event and created the dispute
    for index in range(rounds):
        pair = [results[0][index], results[1][index]]
        assert sorted(outcome for outcome, _, _ in pair) == ["applied", "duplicate"]
        assert sum(new for _, new, _ in pair) == 1
        assert sum(changed for _, _, changed in pair) == 1
    with Database(database_url).reading() as session:
        assert count(session, Dispute) == rounds
        assert count(session, DisputeEventRow) == rounds


def test_an_event_that_only_repeats_what_was_known_changes_nothing(book: DisputeBook) -> None:
    # Given a dispute known from one event
    book.apply_one(
        dispute_event("evt_1", Status.UNDER_REVIEW, seconds=0), source=EventSource.WEBHOOK
    )
    # When a later read (a sync, say) describes the very same dispute under another id
    outcome = book.apply_one(
        dispute_event("sync_1", Status.UNDER_REVIEW, seconds=60), source=EventSource.SYNC
    )
    # Then it is stored, but it is no change and the dispute was not touched
    assert not outcome.duplicate
    assert not outcome.changed
    with book.database.reading() as session:
        applied = dict(
            session.execute(select(DisputeEventRow.event_id, DisputeEventRow.applied)).all()
        )
        dispute = session.scalars(select(Dispute)).one()
    assert applied == {"evt_1": True, "sync_1": False}
    assert dispute.last_event_at == BASE + timedelta(seconds=60)
