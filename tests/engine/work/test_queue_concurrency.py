"""Two workers on two PostgreSQL connections: a dispute one worker is claiming is skipped by
the other (SKIP LOCKED), never waited for and never claimed twice."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta

from sqlalchemy import select, update

from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.models import Dispute, WorkState
from engine.work.queue import claim_next
from tests.engine.work.test_queue import queued_book

DEADLOCK_BOUND_SECONDS = 10
"""Not a wait for time to pass: how long a claim may take before we call it blocked."""


def test_a_dispute_being_claimed_by_one_worker_is_skipped_by_another(postgres_url: str) -> None:
    # Given two queued disputes, and worker A in the middle of claiming the first one
    book = queued_book(postgres_url, 2)
    worker_b = Database(postgres_url)
    lease_end = utcnow() + timedelta(minutes=10)
    with book.database.transaction() as worker_a:
        first = worker_a.scalars(select(Dispute).order_by(Dispute.id).limit(1).with_for_update())
        first_id = first.one().id
        worker_a.execute(
            update(Dispute)
            .where(Dispute.id == first_id)
            .values(
                work_state=WorkState.CLAIMED,
                work_claimed_by="worker-a",
                work_lease_until=lease_end,
                work_not_before=lease_end,
            )
        )
        # When worker B claims on its own connection while A's lock is held
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(claim_next, worker_b, "worker-b")
            try:
                claim = pending.result(timeout=DEADLOCK_BOUND_SECONDS)
            except FutureTimeout:
                claim = None
                blocked = True
            else:
                blocked = False
            if blocked:
                worker_a.rollback()  # let B finish so the pool can shut down
                pending.result()
    worker_b.dispose()
    # Then B did not wait for A: it claimed the other dispute at once
    assert not blocked, "claim_next waited on a row another worker had locked"
    assert claim is not None and claim[0] != first_id
    # And each dispute is claimed exactly once
    with book.database.reading() as session:
        claimed_by = dict(session.execute(select(Dispute.id, Dispute.work_claimed_by)).all())
    assert claimed_by[first_id] == "worker-a"
    assert claimed_by[claim[0]] == "worker-b"
    assert claim_next(book.database, "worker-c") is None
