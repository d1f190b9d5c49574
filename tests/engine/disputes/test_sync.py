"""Backfill bookkeeping: counts, one dispute's failure, a provider failing mid-way, re-runs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine.db.migrate import upgrade
from engine.db.models import Dispute, SyncRun
from engine.disputes.model import Funds, FundsMoved, Status
from engine.disputes.sync import last_reports, sync_provider
from engine.plugins.manager import Plugins, create_plugin_manager
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.engine.disputes.test_ingest import dispute_event
from tests.engine.strategies import BASE
from tests.support.acme import AcmeProvider


@pytest.fixture
def runtime(make_settings: MakeSettings) -> Iterator[Runtime]:
    plugins = Plugins(
        create_plugin_manager(builtins=(), entry_points=False, extra=["tests.support.acme"])
    )
    runtime = Runtime(make_settings(), plugins)
    upgrade(runtime.database)
    AcmeProvider.listed = [
        dispute_event(
            f"sync_{i}", Status.NEEDS_RESPONSE if i % 2 else Status.WON, dispute_id=f"dp_{i}"
        )
        for i in range(10)
    ]
    AcmeProvider.fail_after = None
    yield runtime
    runtime.close()


def test_a_sync_stores_every_dispute_and_queues_the_open_ones(runtime: Runtime) -> None:
    seen: list[int] = []
    report = sync_provider(runtime, "acme", progress=seen.append)
    assert (report.state, report.seen, report.new, report.updated) == ("finished", 10, 10, 0)
    assert report.queued == 5 and report.failed == 0
    assert seen == list(range(1, 11))
    assert last_reports(runtime)["acme"].new == 10


def test_re_running_a_sync_duplicates_nothing(runtime: Runtime) -> None:
    sync_provider(runtime, "acme")
    again = sync_provider(runtime, "acme")
    assert (again.seen, again.new, again.updated, again.queued) == (10, 0, 0, 0)
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 10
        assert session.scalar(select(func.count()).select_from(SyncRun)) == 2


def test_one_disputes_failure_is_recorded_and_the_sync_goes_on(runtime: Runtime) -> None:
    # Given a dispute the engine cannot place (only a money movement, no description)
    broken = FundsMoved(
        provider="acme",
        event_id="sync_broken",
        dispute_id="dp_broken",
        type="funds",
        occurred_at=BASE + timedelta(seconds=1),
        funds=Funds.DEBITED,
    )
    AcmeProvider.listed.insert(3, broken)
    report = sync_provider(runtime, "acme")
    assert (report.state, report.seen, report.new, report.failed) == ("finished", 11, 10, 1)
    assert report.errors[0]["dispute_id"] == "dp_broken"


def test_a_provider_failing_mid_way_leaves_a_failed_report_and_keeps_what_it_stored(
    runtime: Runtime,
) -> None:
    AcmeProvider.fail_after = 4
    report = sync_provider(runtime, "acme")
    assert (report.state, report.seen, report.new) == ("failed", 4, 4)
    assert report.error is not None and "500" in report.error
    # A re-run after the processor recovers picks up the rest without duplicating anything
    AcmeProvider.fail_after = None
    report = sync_provider(runtime, "acme")
    assert (report.state, report.seen, report.new) == ("finished", 10, 6)


class _Stop(Exception):
    """An exception that is not the engine's own: a bug, a dropped connection."""


@pytest.mark.parametrize(
    ("raised", "error"), [(KeyboardInterrupt, "interrupted"), (_Stop, "_Stop: at 7")]
)
def test_an_interrupted_sync_records_its_true_counts_and_is_not_left_running(
    runtime: Runtime, raised: type[BaseException], error: str
) -> None:
    def stop_at_seven(seen: int) -> None:
        if seen == 7:
            raise raised("at 7")

    with pytest.raises(raised):
        sync_provider(runtime, "acme", progress=stop_at_seven)
    report = last_reports(runtime)["acme"]
    assert report.state == "interrupted"
    # Seven disputes were applied before the interruption (the checkpoint is every 50).
    assert (report.seen, report.new) == (7, 7)
    assert report.error == error
    assert report.finished_at is not None
    with runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 7
