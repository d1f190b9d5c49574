"""The scheduled sweep against the Stripe emulator: the worker starts it when due, lists the
disputes whose first webhook never came (``created[gte]``), repairs the ones whose later
webhooks went missing, survives 429s and 500s on the listing, and one worker of two sweeps."""

from __future__ import annotations

import threading
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from emulators.stripe.server import StripeEmulator
from emulators.stripe.state import PLATFORM_ACCOUNT
from engine.db.base import utcnow
from engine.db.migrate import upgrade
from engine.db.models import Dispute, SyncKind, SyncRun
from engine.disputes.model import Status
from engine.disputes.reconcile import ReadRetry, TokenBucket
from engine.disputes.sync import last_reports, sync_provider
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.sweeps import LISTING_OVERLAP, Sweeper
from engine.work.worker import Worker
from tests.providers.stripe.test_reconcile import FakeClock


def statuses(runtime: Runtime) -> dict[str, Status]:
    with runtime.database.reading() as session:
        rows = session.execute(select(Dispute.dispute_id, Dispute.status)).all()
        return {dispute_id: Status(status) for dispute_id, status in rows}


def sweeper(runtime: Runtime, holder: str = "worker-a", **overrides: object) -> Sweeper:
    clock = FakeClock()
    return Sweeper(
        runtime,
        timedelta(hours=1),
        holder,
        pacing=lambda: TokenBucket(25, clock=clock, sleep=clock.sleep),
        retry=ReadRetry(attempts=3, first_delay=2.0, sleep=clock.sleep),
        **overrides,  # type: ignore[arg-type]
    )


def sweep_runs(runtime: Runtime) -> list[SyncRun]:
    with runtime.database.reading() as session:
        return list(session.scalars(select(SyncRun).where(SyncRun.kind == SyncKind.SWEEP)))


def test_the_worker_sweeps_when_due_and_brings_a_missed_webhook_to_the_truth(
    make_settings: MakeSettings, stripe_env: dict[str, str], stripe_emulator: StripeEmulator
) -> None:
    # given a worker built as `disputes worker` builds it, and two disputes the engine knows
    runtime = Runtime(make_settings(**stripe_env, reconcile_interval_seconds="3600"))
    upgrade(runtime.database)
    try:
        ids = [str(stripe_emulator.state.add_dispute()["id"]) for _ in range(2)]
        sync_provider(runtime, "stripe")
        # when Stripe closes one and its webhook never arrives
        stripe_emulator.state.close_dispute(PLATFORM_ACCOUNT, ids[0], {})
        worker = Worker.for_service(runtime)
        assert worker.sweeper is not None
        worker.run_once()
        worker.sweeper.join(timeout=60)
        # then the sweep, started by the worker, brought the engine's state to Stripe's
        assert statuses(runtime) == {ids[0]: Status.LOST, ids[1]: Status.NEEDS_RESPONSE}
        report = last_reports(runtime, SyncKind.SWEEP)["stripe"]
        assert (report.kind, report.state, report.updated, report.failed) == (
            "sweep",
            "finished",
            1,
            0,
        )
        assert report.repairs == [
            {"dispute_id": ids[0], "before": "needs_response", "after": "lost"}
        ]
        # and a worker restarted now finds no sweep due: the schedule is in the database
        restarted = Worker.for_service(runtime)
        assert restarted.sweeper is not None
        assert restarted.sweeper.due_providers() == []
        assert restarted.sweeper.start_if_due() is False
    finally:
        runtime.close()


def test_a_dispute_whose_created_webhook_never_came_is_found_by_the_listing(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    # given an engine that synced once, an hour and a half ago
    known = str(stripe_emulator.state.add_dispute()["id"])
    sync_provider(stripe_runtime, "stripe")
    stripe_emulator.requests.clear()
    synced_at = utcnow() - timedelta(minutes=90)
    with stripe_runtime.database.transaction() as session:
        for run in session.scalars(select(SyncRun)):
            run.started_at = synced_at
    # when Stripe opens a dispute and no webhook ever reaches the engine
    new = str(stripe_emulator.state.add_dispute(emit=False)["id"])
    assert new not in statuses(stripe_runtime)
    reports = sweeper(stripe_runtime).sweep_due()
    # then the sweep listed what was created since the last read, and the dispute is known
    assert statuses(stripe_runtime) == {known: Status.NEEDS_RESPONSE, new: Status.NEEDS_RESPONSE}
    assert [(r.new, r.updated, r.failed) for r in reports] == [(1, 0, 0)]
    assert reports[0].repairs == [{"dispute_id": new, "before": "new", "after": "needs_response"}]
    listings = stripe_emulator.requests_for("GET", r"/v1/disputes")
    assert len(listings) == 1
    created_gte = int(parse_qs(listings[0].query)["created[gte]"][0])
    assert created_gte == int((synced_at - LISTING_OVERLAP).timestamp())
    # and each dispute was read once: the listed ones are not fetched again
    assert stripe_emulator.requests_for("GET", r"/v1/disputes/dp_\w+") == []


@pytest.mark.usefixtures("fast_retries")
def test_the_listing_survives_429s_and_500s_and_the_sweep_goes_on_when_it_cannot(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    # given two disputes the engine knows, and a third opened without a webhook
    ids = [str(stripe_emulator.state.add_dispute()["id"]) for _ in range(2)]
    sync_provider(stripe_runtime, "stripe")
    stripe_emulator.state.close_dispute(
        PLATFORM_ACCOUNT,
        ids[1],
        {},
    )
    new = str(stripe_emulator.state.add_dispute(emit=False)["id"])
    # when Stripe answers the list with 429 then 500 (the SDK retries both)
    stripe_emulator.faults.add_rule("GET", r"/v1/disputes", "429", times=1)
    stripe_emulator.faults.add_rule("GET", r"/v1/disputes", "500", times=1)
    first = sweeper(stripe_runtime).sweep_due()
    # then the new dispute is found and the closed one repaired
    assert [(r.state, r.new, r.updated, r.failed) for r in first] == [("finished", 1, 1, 0)]
    assert statuses(stripe_runtime)[new] == Status.NEEDS_RESPONSE
    assert statuses(stripe_runtime)[ids[1]] == Status.LOST
    # and when the list fails past every retry, the open disputes are still re-read
    stripe_emulator.state.close_dispute(PLATFORM_ACCOUNT, ids[0], {})
    stripe_emulator.faults.add_rule("GET", r"/v1/disputes", "500")
    with stripe_runtime.database.transaction() as session:
        for run in session.scalars(select(SyncRun).where(SyncRun.kind == SyncKind.SWEEP)):
            run.finished_at = utcnow() - timedelta(hours=2)
    second = sweeper(stripe_runtime).sweep_due()
    assert [(r.state, r.updated, r.failed) for r in second] == [("finished", 1, 1)]
    assert second[0].errors[0]["dispute_id"] == "(listing)"
    assert statuses(stripe_runtime)[ids[0]] == Status.LOST


def test_interval_zero_means_the_worker_never_sweeps(
    make_settings: MakeSettings, stripe_env: dict[str, str], stripe_emulator: StripeEmulator
) -> None:
    runtime = Runtime(make_settings(**stripe_env, reconcile_interval_seconds="0"))
    upgrade(runtime.database)
    try:
        stripe_emulator.state.add_dispute(emit=False)
        worker = Worker.for_service(runtime)
        assert worker.sweeper is None
        worker.drain()
        assert sweep_runs(runtime) == []
        assert stripe_emulator.requests_for("GET", r"/v1/disputes.*") == []
    finally:
        runtime.close()


def test_the_sweep_stops_with_the_worker_and_records_what_it_did(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    # given five disputes opened long before the last sync (so the listing skips them)
    long_ago = int((utcnow() - timedelta(days=10)).timestamp())
    for _ in range(5):
        stripe_emulator.state.add_dispute(created=long_ago)
    sync_provider(stripe_runtime, "stripe")
    gate = threading.Event()
    released = threading.Event()

    def slow_sleep(seconds: float) -> None:
        gate.set()
        released.wait(10)

    # and a sweep whose pacing holds it at its first read
    sweeps = Sweeper(
        stripe_runtime,
        timedelta(hours=1),
        "worker-a",
        pacing=lambda: TokenBucket(0.5, clock=lambda: 0.0, sleep=slow_sleep),
    )
    assert sweeps.start_if_due()
    assert gate.wait(30)
    # when the worker stops
    sweeps.stop(timeout=0)
    released.set()
    sweeps.join(30)
    # then the run is recorded as interrupted, with what it read, and the lease is free again
    (run,) = sweep_runs(stripe_runtime)
    assert (run.state, run.error) == ("interrupted", "the worker stopped")
    assert 1 <= run.seen < 6
    again = sweeper(stripe_runtime, "worker-b")
    assert again.due_providers() == ["stripe"]  # an interrupted sweep does not count
    assert [r.state for r in again.sweep_due()] == ["finished"]


def test_two_workers_on_postgresql_make_one_sweep(
    make_settings: MakeSettings,
    stripe_env: dict[str, str],
    stripe_emulator: StripeEmulator,
    postgres_url: str,
) -> None:
    # given two worker processes (their own connection pools) on one PostgreSQL database
    settings = make_settings(**stripe_env, database_url=postgres_url)
    first, second = Runtime(settings), Runtime(settings)
    upgrade(first.database)
    try:
        long_ago = int((utcnow() - timedelta(days=10)).timestamp())
        ids = [str(stripe_emulator.state.add_dispute(created=long_ago)["id"]) for _ in range(4)]
        sync_provider(first, "stripe")
        stripe_emulator.state.close_dispute(PLATFORM_ACCOUNT, ids[2], {})
        stripe_emulator.requests.clear()
        # when both find the sweep due at the same moment
        workers = [sweeper(first, "worker-a"), sweeper(second, "worker-b")]
        assert all(w.due_providers() == ["stripe"] for w in workers)
        start = threading.Barrier(2)
        reports: dict[str, list[object]] = {}

        def sweep(worker: Sweeper) -> None:
            start.wait()
            reports[worker.holder] = list(worker.sweep_due())

        threads = [threading.Thread(target=sweep, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        # then exactly one of them swept, each open dispute was read once, one was repaired
        assert sorted(len(done) for done in reports.values()) == [0, 1]
        (run,) = sweep_runs(first)
        assert (run.state, run.seen, run.updated) == ("finished", 4, 1)
        reads = stripe_emulator.requests_for("GET", r"/v1/disputes/dp_\w+")
        assert sorted(r.path.rsplit("/", 1)[1] for r in reads) == sorted(ids)
        assert statuses(first)[ids[2]] == Status.LOST
        # and neither sweeps again: the finished sweep is in the database both read
        assert [w.due_providers() for w in workers] == [[], []]
    finally:
        first.close()
        second.close()
