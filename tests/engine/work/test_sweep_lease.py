"""The sweep lease on SQLite and PostgreSQL: one holder at a time, renewed while it sweeps,
taken over once a crashed holder lets it expire, and granted only when a sweep is due."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import SyncKind, SyncRun, SyncState
from engine.work.sweep_lease import LeaseLost, last_sweep_finished, take_lease

T0 = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
TTL = timedelta(minutes=10)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    db = Database(database_url)
    upgrade(db)
    yield db
    db.dispose()


def run_of(database: Database, run_id: int) -> SyncRun:
    with database.reading() as session:
        return session.get_one(SyncRun, run_id)


def finish(database: Database, run_id: int, at: datetime) -> None:
    with database.transaction() as session:
        run = session.get_one(SyncRun, run_id)
        run.state, run.finished_at = SyncState.FINISHED, at


def test_a_held_lease_is_refused_to_a_second_worker(database: Database) -> None:
    clock = Clock()
    lease = take_lease(database, "stripe", "worker-a", interval=HOUR, ttl=TTL, clock=clock)
    assert lease is not None
    assert run_of(database, lease.run_id).kind == SyncKind.SWEEP
    clock.now += TTL - timedelta(seconds=1)
    assert take_lease(database, "stripe", "worker-b", interval=HOUR, ttl=TTL, clock=clock) is None
    # another provider has its own lease
    assert take_lease(database, "paystand", "worker-b", interval=HOUR, ttl=TTL, clock=clock)


def test_renewing_keeps_the_lease_and_a_finished_sweep_is_not_due_again(
    database: Database,
) -> None:
    clock = Clock()
    lease = take_lease(database, "stripe", "worker-a", interval=HOUR, ttl=TTL, clock=clock)
    assert lease is not None
    # given the holder renews as it goes, past the first expiry
    for _ in range(5):
        clock.now += TTL / 2
        lease.renew()
        assert (
            take_lease(database, "stripe", "worker-b", interval=HOUR, ttl=TTL, clock=clock) is None
        )
    # when it finishes and lets go
    finish(database, lease.run_id, clock.now)
    lease.release()
    # then nobody sweeps until the interval has passed since the finish
    with database.reading() as session:
        assert last_sweep_finished(session, "stripe") == clock.now
    clock.now += HOUR - timedelta(seconds=1)
    assert take_lease(database, "stripe", "worker-b", interval=HOUR, ttl=TTL, clock=clock) is None
    clock.now += timedelta(seconds=1)
    assert take_lease(database, "stripe", "worker-b", interval=HOUR, ttl=TTL, clock=clock)


def test_an_expired_lease_is_taken_over_and_its_holder_stops(database: Database) -> None:
    clock = Clock()
    crashed = take_lease(database, "stripe", "worker-a", interval=HOUR, ttl=TTL, clock=clock)
    assert crashed is not None
    # given worker-a stopped renewing (it crashed or hangs) and its lease ran out
    clock.now += TTL + timedelta(seconds=1)
    # when worker-b looks
    taker = take_lease(database, "stripe", "worker-b", interval=HOUR, ttl=TTL, clock=clock)
    # then it takes the sweep over, and worker-a's run says why it ended
    assert taker is not None
    assert taker.taken_over == crashed.run_id
    old = run_of(database, crashed.run_id)
    assert (old.state, old.error) == ("interrupted", "worker-a stopped renewing its lease")
    # and worker-a, waking up, learns at its next renewal that the sweep is no longer its own
    with pytest.raises(LeaseLost):
        crashed.renew(force=True)
    crashed.release()  # a no-op: worker-b's lease stands
    assert take_lease(database, "stripe", "worker-c", interval=HOUR, ttl=TTL, clock=clock) is None
    taker.renew(force=True)


def test_an_interrupted_sweep_leaves_the_sweep_due(database: Database) -> None:
    clock = Clock()
    lease = take_lease(database, "stripe", "worker-a", interval=HOUR, ttl=TTL, clock=clock)
    assert lease is not None
    with database.transaction() as session:
        run = session.get_one(SyncRun, lease.run_id)
        run.state, run.finished_at = SyncState.INTERRUPTED, clock.now
    lease.release()
    with database.reading() as session:
        assert last_sweep_finished(session, "stripe") is None
        assert session.scalars(select(SyncRun.kind)).all() == ["sweep"]
    assert take_lease(database, "stripe", "worker-b", interval=HOUR, ttl=TTL, clock=clock)


def test_is_a_sweep_due_is_an_index_seek(database: Database) -> None:
    from engine.work.sweeps import listing_since
    from tests.engine.db.test_query_plans import assert_indexed, captured, plan

    with captured(database) as queries, database.reading() as session:
        assert last_sweep_finished(session, "stripe") is None
        assert listing_since(session, "stripe") is None
    selects = [(s, p) for s, p in queries if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 3
    with database.reading() as session:
        for statement, parameters in selects:
            query_plan = plan(session, statement, parameters)
            assert "ix_sync_runs_sweeps" in query_plan.lower(), query_plan
            assert_indexed(query_plan, statement)
