"""The evidence work queue: claims, leases, take-over of a dead worker's claim."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute, EventSource, WorkState
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import Status
from engine.work.queue import claim_next, complete, retry_later
from tests.engine.disputes.test_ingest import dispute_event


def queued_book(url: str, disputes: int) -> DisputeBook:
    database = Database(url)
    upgrade(database)
    book = DisputeBook(database)
    for index in range(disputes):
        book.apply_one(
            dispute_event(f"evt_{index}", Status.NEEDS_RESPONSE, dispute_id=f"dp_{index}"),
            source=EventSource.WEBHOOK,
        )
    return book


def test_each_queued_dispute_is_claimed_once(database_url: str) -> None:
    book = queued_book(database_url, 3)
    claims = [claim_next(book.database, "worker-a") for _ in range(4)]
    assert claims[3] is None
    assert sorted(claim[0] for claim in claims[:3] if claim) == [1, 2, 3]
    assert {claim[1] for claim in claims[:3] if claim} == {"respond"}


def test_a_dead_workers_claim_is_taken_over_after_its_lease(database_url: str) -> None:
    book = queued_book(database_url, 1)
    first = claim_next(book.database, "worker-dead", lease=timedelta(seconds=-1))
    # The lease has already run out: another worker takes the dispute over
    second = claim_next(book.database, "worker-alive")
    assert first is not None and second is not None
    assert first[0] == second[0]
    with book.database.transaction() as session:
        row = session.get_one(Dispute, second[0])
        # The dead worker can no longer complete what it lost
        assert not complete(session, row, "worker-dead")
        assert complete(session, row, "worker-alive")
        assert row.work_state == WorkState.IDLE
    assert claim_next(book.database, "worker-alive") is None


def test_work_given_back_waits_for_its_backoff(database_url: str) -> None:
    book = queued_book(database_url, 1)
    claim = claim_next(book.database, "worker-a")
    assert claim is not None
    with book.database.transaction() as session:
        row = session.get_one(Dispute, claim[0])
        assert retry_later(session, row, "worker-a", "processor answered 503", timedelta(hours=1))
    assert claim_next(book.database, "worker-a") is None
    with book.database.reading() as session:
        row = session.scalars(select(Dispute)).one()
        assert (row.work_state, row.work_error) == (WorkState.QUEUED, "processor answered 503")
