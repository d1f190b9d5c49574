"""The evidence work queue: claims, leases, take-over of a dead worker's claim."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute, EventSource, WorkState
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import Status
from engine.work.queue import WorkReason, claim_next, complete, queue_work, retry_later
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


def test_plain_work_already_queued_keeps_its_place(database_url: str) -> None:
    book = queued_book(database_url, 1)
    with book.database.transaction() as session:
        dispute = session.scalars(select(Dispute)).one()
        place = dispute.work_not_before
        assert queue_work(session, dispute, WorkReason.RESPOND) is False
        assert (dispute.work_reason, dispute.work_not_before) == (WorkReason.RESPOND, place)


def test_a_claim_is_leased_for_ten_minutes(database_url: str) -> None:
    book = queued_book(database_url, 1)
    claimed = claim_next(book.database, "worker-a")
    assert claimed is not None
    with book.database.reading() as session:
        dispute = session.get_one(Dispute, claimed[0])
        assert dispute.work_lease_until is not None
        lease = dispute.work_lease_until - utcnow()
    assert timedelta(minutes=9, seconds=50) < lease <= timedelta(minutes=10)


def test_a_lost_claim_is_not_put_back_by_its_old_worker(database_url: str) -> None:
    book = queued_book(database_url, 1)
    claimed = claim_next(book.database, "worker-a")
    assert claimed is not None
    with book.database.transaction() as session:
        dispute = session.get_one(Dispute, claimed[0])
        dispute.work_claimed_by = "worker-b"  # taken over after the lease ran out
        before = dispute.work_not_before
        assert retry_later(session, dispute, "worker-a", "boom", timedelta(hours=1)) is False
        assert (dispute.work_claimed_by, dispute.work_not_before) == ("worker-b", before)
