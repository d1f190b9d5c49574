"""The evidence worker: claims work, retries what is transient, gives up visibly, and never
lets two workers take the same dispute."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select

from engine.db.base import utcnow
from engine.db.models import Dispute, NotificationRow, WorkState
from engine.errors import ProviderUnavailable
from engine.notifications.dispatch import DeliveryPolicy
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.queue import WorkReason, claim_next, complete, queue_work
from engine.work.worker import RetryPolicy, Worker
from tests.support.engine import add_dispute, make_runtime

FAST_RETRY = RetryPolicy(max_attempts=3, first_delay=timedelta(0), max_delay=timedelta(0))


@pytest.fixture
def runtime(make_settings: MakeSettings) -> Runtime:
    return make_runtime(make_settings())


def dispute_row(runtime: Runtime, pk: int) -> Dispute:
    with runtime.database.reading() as session:
        return session.get_one(Dispute, pk)


class Recorder:
    def __init__(self, failures: list[Exception] | None = None) -> None:
        self.calls: list[tuple[int, str]] = []
        self.failures = list(failures or [])

    def __call__(self, runtime: Runtime, dispute_pk: int, reason: str) -> None:
        self.calls.append((dispute_pk, reason))
        if self.failures:
            raise self.failures.pop(0)


def test_a_queued_dispute_is_handled_once_and_the_claim_released(runtime: Runtime) -> None:
    # given a dispute that needs a response (the book queues it)
    pk = add_dispute(runtime, "dp_1")
    handler = Recorder()
    worker = Worker(runtime, handler, retry=FAST_RETRY, idle_seconds=0)
    # when the worker runs until idle
    worker.drain()
    # then the handler ran once with the respond reason, and the dispute is idle again
    assert handler.calls == [(pk, WorkReason.RESPOND)]
    row = dispute_row(runtime, pk)
    assert row.work_state == WorkState.IDLE
    assert row.work_claimed_by is None
    assert row.work_error is None


def test_a_transient_failure_is_retried_later_then_succeeds(runtime: Runtime) -> None:
    pk = add_dispute(runtime, "dp_1")
    handler = Recorder([ProviderUnavailable("processor 503")])
    retry = RetryPolicy(max_attempts=3, first_delay=timedelta(hours=1))
    worker = Worker(runtime, handler, retry=retry, idle_seconds=0)
    # when the first attempt fails transiently
    worker.drain()
    # then the work waits in the queue, with the error visible and a backoff applied
    row = dispute_row(runtime, pk)
    assert row.work_state == WorkState.QUEUED
    assert row.work_error == "processor 503"
    assert row.work_not_before is not None
    assert len(handler.calls) == 1
    # when the backoff has passed
    with runtime.database.transaction() as session:
        session.get_one(Dispute, pk).work_not_before = utcnow() - timedelta(seconds=1)
    worker.drain()
    # then the second attempt succeeds
    assert len(handler.calls) == 2
    assert dispute_row(runtime, pk).work_state == WorkState.IDLE


def test_backoff_doubles_and_is_capped() -> None:
    policy = RetryPolicy(first_delay=timedelta(seconds=30), max_delay=timedelta(minutes=5))
    assert [policy.delay(n).total_seconds() for n in range(1, 6)] == [30, 60, 120, 240, 300]


def test_after_the_last_attempt_the_worker_gives_up_with_the_error_kept(
    make_settings: MakeSettings,
) -> None:
    # given a configured notifier, so giving up is announced
    runtime = make_runtime(make_settings(telegram_bot_token="1:AA", telegram_chat_id="42"))
    pk = add_dispute(runtime, "dp_1")
    handler = Recorder([ProviderUnavailable(f"down {n}") for n in range(10)])
    quiet = DeliveryPolicy(batch=0)  # keep the outbox unsent here
    worker = Worker(runtime, handler, retry=FAST_RETRY, delivery=quiet, idle_seconds=0)
    worker.drain()
    # then exactly max_attempts attempts were made and the last error stays on the dispute
    assert len(handler.calls) == FAST_RETRY.max_attempts
    row = dispute_row(runtime, pk)
    assert row.work_state == WorkState.IDLE
    assert row.work_error == "down 2"
    with runtime.database.reading() as session:
        kinds = session.scalars(select(NotificationRow.kind)).all()
    assert "needs_attention" in kinds


def test_an_error_that_retrying_cannot_fix_stops_at_once(runtime: Runtime) -> None:
    pk = add_dispute(runtime, "dp_1")
    handler = Recorder([ValueError("bad template")])
    Worker(runtime, handler, retry=FAST_RETRY, idle_seconds=0).drain()
    assert len(handler.calls) == 1
    row = dispute_row(runtime, pk)
    assert row.work_state == WorkState.IDLE
    assert row.work_error == "internal error: ValueError: bad template"


def test_a_regenerate_request_during_the_work_is_not_lost(runtime: Runtime) -> None:
    pk = add_dispute(runtime, "dp_1")

    def handler(rt: Runtime, dispute_pk: int, reason: str) -> None:
        calls.append(reason)
        if len(calls) == 1:  # a person presses "regenerate" while the first build runs
            with rt.database.transaction() as session:
                queue_work(session, session.get_one(Dispute, dispute_pk), WorkReason.REGENERATE)

    calls: list[str] = []
    Worker(runtime, handler, retry=FAST_RETRY, idle_seconds=0).drain()
    assert calls == [WorkReason.RESPOND, WorkReason.REGENERATE]
    assert dispute_row(runtime, pk).work_state == WorkState.IDLE


def test_a_claim_whose_worker_died_is_taken_over_after_the_lease(runtime: Runtime) -> None:
    pk = add_dispute(runtime, "dp_1")
    # given a worker that claimed the dispute and died (never completes)
    assert claim_next(runtime.database, "dead-worker", lease=timedelta(milliseconds=200)) == (
        pk,
        WorkReason.RESPOND,
    )
    handler = Recorder()
    survivor = Worker(runtime, handler, worker_id="survivor", idle_seconds=0)
    # when another worker looks before the lease ran out, it finds nothing
    assert survivor.drain() == 0
    # and after the lease, it takes the work over
    time.sleep(0.3)
    survivor.drain()
    assert handler.calls == [(pk, WorkReason.RESPOND)]
    assert dispute_row(runtime, pk).work_state == WorkState.IDLE


def test_a_late_completion_by_the_dead_worker_does_not_release_the_new_claim(
    runtime: Runtime,
) -> None:
    pk = add_dispute(runtime, "dp_1")
    claim_next(runtime.database, "slow", lease=timedelta(milliseconds=1))
    time.sleep(0.01)
    assert claim_next(runtime.database, "fresh") == (pk, WorkReason.RESPOND)
    with runtime.database.transaction() as session:
        assert complete(session, session.get_one(Dispute, pk), "slow") is False
    row = dispute_row(runtime, pk)
    assert (row.work_state, row.work_claimed_by) == (WorkState.CLAIMED, "fresh")


def _two_workers_process_every_dispute_once(
    make_settings: MakeSettings, database_url: str, disputes: int
) -> None:
    setup = make_runtime(make_settings(database_url=database_url), after_apply=())
    handled = Table(
        "test_handled",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("dispute_pk", Integer),
        Column("worker", String(64)),
    )
    handled.create(setup.database.engine)
    expected = {add_dispute(setup, f"dp_{n}") for n in range(disputes)}

    def handler(rt: Runtime, dispute_pk: int, reason: str) -> None:
        with rt.database.transaction() as session:
            worker = threading.current_thread().name
            session.execute(insert(handled).values(dispute_pk=dispute_pk, worker=worker))
        time.sleep(0.001)  # long enough for the other worker to try the same rows

    # when two workers, each with its own engine and connections, drain the queue at once
    def run(name: str) -> None:
        runtime = make_runtime(make_settings(database_url=database_url), after_apply=())
        Worker(runtime, handler, worker_id=name, idle_seconds=0).drain()
        runtime.close()

    threads = [threading.Thread(target=run, args=(n,), name=n) for n in ("w1", "w2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    # then every dispute was handled exactly once, and both workers took part
    with setup.database.reading() as session:
        rows = session.execute(select(handled.c.dispute_pk, handled.c.worker)).all()
        states = set(session.scalars(select(Dispute.work_state)).all())
    counts = Counter(pk for pk, _ in rows)
    assert set(counts) == expected, "a dispute was missed"
    assert max(counts.values()) == 1, "a dispute was handled twice"
    assert {worker for _, worker in rows} == {"w1", "w2"}
    assert states == {WorkState.IDLE}
    setup.close()


@pytest.mark.postgres
def test_two_workers_on_postgresql_process_200_disputes_each_exactly_once(
    make_settings: MakeSettings, postgres_url: str
) -> None:
    _two_workers_process_every_dispute_once(make_settings, postgres_url, 200)


def test_two_workers_on_sqlite_take_turns_and_process_each_dispute_once(
    make_settings: MakeSettings, tmp_path: Path
) -> None:
    _two_workers_process_every_dispute_once(
        make_settings, f"sqlite:///{tmp_path / 'shared.db'}", 40
    )


def test_a_dispute_whose_work_kills_every_worker_is_given_up(runtime: Runtime) -> None:
    pk = add_dispute(runtime, "dp_1")
    # given workers that each died holding the claim, as often as retries allow
    for n in range(FAST_RETRY.max_attempts):
        assert claim_next(runtime.database, f"dead-{n}", lease=timedelta(0)) is not None
    handler = Recorder()
    Worker(runtime, handler, retry=FAST_RETRY, idle_seconds=0).drain()
    # then the next worker does not try again, and says why
    assert handler.calls == []
    row = dispute_row(runtime, pk)
    assert row.work_state == WorkState.IDLE
    assert row.work_error is not None
    assert "never finished in 3 attempts" in row.work_error
