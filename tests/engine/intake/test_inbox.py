"""The webhook inbox on both databases: what is stored ``received`` ends exactly as if applied on
arrival — whatever mix of the three ways deliveries are written, in whatever batches, with
duplicates — a crash between storing and applying loses nothing, a delivery that cannot be
applied waits and then fails alone, and two appliers never apply one delivery twice."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, update

from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute, DisputeEventRow, EventSource, WebhookDelivery, WebhookOutcome
from engine.db.records import read_state
from engine.disputes.batch import Delivery
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import DisputeEvent, Funds, FundsMoved, Status
from engine.intake.inbox import RETRY_PAUSES, apply_received, backlog, store_received
from engine.plugins.provider import Accepted, Ignored, Rejected
from engine.stats import tallies
from tests.engine.stats.test_tallies import _running, events
from tests.support.acme import event_for

_databases = itertools.count()


def deliver(*events: DisputeEvent) -> Delivery:
    verdict = Accepted(event_id=events[0].event_id, event_type="dispute.updated", events=events)
    return Delivery("acme", verdict, b'{"id": "%s"}' % events[0].event_id.encode())


def money_moved(dispute_id: str) -> FundsMoved:
    """Only money moving (``e_funds``): it cannot apply before an event describes the dispute."""
    return FundsMoved(
        provider="acme",
        event_id="e_funds",
        dispute_id=dispute_id,
        type="dispute.funds_withdrawn",
        occurred_at=utcnow(),
        funds=Funds.DEBITED,
    )


def store(book: DisputeBook, deliveries: Sequence[Delivery]) -> None:
    with book.database.engine.begin() as connection:
        store_received(connection, deliveries)


def states(database: Database) -> dict[str, object]:
    with database.reading() as session:
        rows = session.scalars(select(Dispute).order_by(Dispute.dispute_id)).all()
        return {row.dispute_id: read_state(row) for row in rows}


def stored_events(database: Database) -> list[str]:
    with database.reading() as session:
        return sorted(session.scalars(select(DisputeEventRow.event_id)))


def outcomes(database: Database) -> list[str]:
    with database.reading() as session:
        return list(session.scalars(select(WebhookDelivery.outcome).order_by(WebhookDelivery.id)))


@pytest.fixture
def book(database_url: str) -> DisputeBook:
    database = Database(database_url)
    upgrade(database)
    return DisputeBook(database)


def test_received_deliveries_are_applied_later_exactly_as_on_arrival(
    book: DisputeBook, tmp_path: Path
) -> None:
    # given a life of two disputes, a repeat among it, and something ignored and refused
    life = [
        deliver(event_for("acme", "e1", "dp_1", Status.NEEDS_RESPONSE)),
        deliver(event_for("acme", "e2", "dp_2", Status.NEEDS_RESPONSE, amount="10.00")),
        deliver(event_for("acme", "e3", "dp_1", Status.UNDER_REVIEW)),
        deliver(event_for("acme", "e3", "dp_1", Status.UNDER_REVIEW)),
        Delivery("acme", Ignored(event_id="e9", event_type="charge.updated", reason="no"), b"{}"),
        Delivery("acme", Rejected(status_code=400, reason="malformed", store=True), b"{"),
    ]
    reference = DisputeBook(Database(f"sqlite:///{tmp_path / 'reference.db'}"))
    upgrade(reference.database)
    reference.record_batch(life)

    # when they are stored first
    store(book, life)
    # then nothing is applied yet, and the ignored and refused ones are final at once
    assert states(book.database) == {}
    assert outcomes(book.database) == ["received"] * 4 + ["ignored", "rejected"]
    with book.database.reading() as session:
        assert backlog(session) == 4

    # when the inbox is applied
    assert apply_received(book, limit=16) == 4
    # then everything reads as if applied on arrival, and the inbox is empty
    assert states(book.database) == states(reference.database)
    assert stored_events(book.database) == ["e1", "e2", "e3"]
    assert outcomes(book.database) == outcomes(reference.database)
    assert _running(book.database) == _running(reference.database)
    with book.database.reading() as session:
        assert backlog(session) == 0
        assert (
            session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(WebhookDelivery.verdict.is_not(None))
            )
            == 0
        )
    assert apply_received(book, limit=16) == 0


def test_what_a_crashed_writer_left_received_the_next_one_applies(
    book: DisputeBook, database_url: str
) -> None:
    from engine.intake.webhooks import WebhookIntake

    # given deliveries stored, and the process gone before applying them
    store(book, [deliver(event_for("acme", f"e{n}", f"dp_{n}", Status.WON)) for n in range(3)])
    book.database.dispose()
    # when a new process starts its writer
    restarted = DisputeBook(Database(database_url))
    intake = WebhookIntake(restarted)
    intake.start()
    try:
        intake.settle(timeout=10)
    finally:
        intake.close()
    # then what was left is applied
    assert sorted(states(restarted.database)) == ["dp_0", "dp_1", "dp_2"]
    assert set(outcomes(restarted.database)) == {"applied"}


def test_a_delivery_that_cannot_be_applied_waits_and_then_fails_alone(book: DisputeBook) -> None:
    # given money moving on a dispute nothing has described, between two good deliveries
    orphan = money_moved("dp_unknown")
    store(
        book,
        [
            deliver(event_for("acme", "e1", "dp_1", Status.NEEDS_RESPONSE)),
            deliver(orphan),
            deliver(event_for("acme", "e2", "dp_2", Status.NEEDS_RESPONSE)),
        ],
    )
    # when the inbox is applied
    apply_received(book, limit=16)
    # then the good ones are applied, the orphan waits for its first retry, with the reason
    assert sorted(states(book.database)) == ["dp_1", "dp_2"]
    with book.database.reading() as session:
        waiting = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_id == "e_funds")
        ).one()
    assert (waiting.outcome, waiting.attempts) == (WebhookOutcome.RECEIVED, 1)
    assert waiting.apply_after is not None and waiting.apply_after > utcnow() + timedelta(
        seconds=50
    )
    assert "does not describe dispute dp_unknown" in (waiting.detail or "")
    assert apply_received(book, limit=16) == 0  # not due yet

    # when every retry has come and gone
    for _ in RETRY_PAUSES:
        with book.database.transaction() as session:
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.event_id == "e_funds")
                .values(apply_after=utcnow() - timedelta(seconds=1))
            )
        apply_received(book, limit=16)
    # then it is failed, its verdict kept for a person, and the inbox is empty
    with book.database.reading() as session:
        failed = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.event_id == "e_funds")
        ).one()
        assert backlog(session) == 0
    assert failed.outcome == WebhookOutcome.FAILED
    assert failed.attempts == len(RETRY_PAUSES) + 1
    assert failed.verdict is not None


def test_a_dispute_described_later_lets_its_waiting_money_event_apply(book: DisputeBook) -> None:
    orphan = money_moved("dp_1")
    store(book, [deliver(orphan)])
    apply_received(book, limit=16)
    # when the dispute's description arrives and the retry is due
    book.record_batch([deliver(event_for("acme", "e1", "dp_1", Status.NEEDS_RESPONSE))])
    with book.database.transaction() as session:
        session.execute(update(WebhookDelivery).values(apply_after=utcnow()))
    assert apply_received(book, limit=16) == 1
    # then the money event is applied too
    assert stored_events(book.database) == ["e1", "e_funds"]
    assert set(outcomes(book.database)) == {"applied"}


def test_two_appliers_never_apply_a_delivery_twice(book: DisputeBook) -> None:
    # given many deliveries about a few disputes, repeats among them
    deliveries = [
        deliver(event_for("acme", f"e{n % 40}", f"dp_{n % 7}", Status.NEEDS_RESPONSE))
        for n in range(80)
    ]
    store(book, deliveries)
    # when two threads apply the inbox at once
    errors: list[BaseException] = []

    def apply_all() -> None:
        try:
            while apply_received(book, limit=8):
                pass
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=apply_all) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then each event is stored once and each delivery applied once: 40 applied, 40 repeats
    assert not errors
    assert stored_events(book.database) == sorted(f"e{n}" for n in range(40))
    assert sorted(outcomes(book.database)) == ["applied"] * 40 + ["duplicate"] * 40


WAYS = ("one_by_one", "batch", "inbox")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    life=st.lists(events, min_size=1, max_size=30),
    cuts=st.lists(st.tuples(st.integers(1, 6), st.sampled_from(WAYS)), min_size=1, max_size=12),
)
def test_any_mix_of_ways_and_batches_ends_in_the_same_state(
    tmp_path: Path, life: list[DisputeEvent], cuts: list[tuple[int, str]]
) -> None:
    # given the same deliveries (a repeat is the same event again: the engine's writer never
    # lets a later copy overtake an earlier one) written one by one into a reference database
    first: dict[str, DisputeEvent] = {}
    for event in life:
        first.setdefault(event.event_id, event)
    life = [first[event.event_id] for event in life]
    n = next(_databases)
    reference = Database(f"sqlite:///{tmp_path / f'reference{n}.db'}")
    upgrade(reference)
    reference_book = DisputeBook(reference)
    for event in life:
        reference_book.apply_one(event, source=EventSource.WEBHOOK)
    # when they are written in batches of any size, each batch any of the three ways
    database = Database(f"sqlite:///{tmp_path / f'mixed{n}.db'}")
    upgrade(database)
    book = DisputeBook(database)
    deliveries = [deliver(event) for event in life]
    position = 0
    for size, way in itertools.cycle(cuts):
        batch = deliveries[position : position + size]
        if not batch:
            break
        position += size
        if way == "one_by_one":
            for delivery in batch:
                book.record_delivery(delivery.provider, delivery.verdict, delivery.body)
        elif way == "batch":
            book.record_batch(batch)
        else:
            store(book, batch)
    while apply_received(book, limit=5):
        pass
    # then the disputes, their events and the tallies are the same, and nothing waits
    assert states(database) == states(reference)
    assert stored_events(database) == stored_events(reference)
    assert _running(database) == _running(reference)
    with database.transaction() as session:
        tallies.rebuild(session)
    assert _running(database) == _running(reference)
    assert set(outcomes(database)) <= {"applied", "duplicate"}
    assert len(outcomes(database)) == len(life)
