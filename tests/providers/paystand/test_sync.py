"""``disputes sync --provider paystand`` against 500 emulated disputes, with injected faults."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from sqlalchemy import func, select

from emulators.paystand import PaystandEmulator
from engine.db.models import DisputeEventRow
from engine.disputes.sync import last_reports, sync_provider
from engine.runtime import Runtime
from tests.providers.paystand.helpers import cli_environment, count_disputes, dispute_row
from web.cli import main

STATUSES = ["created", "processing", "active", "acceptingEvidence", "underReview", "won", "lost"]


def open_disputes(emulator: PaystandEmulator, count: int) -> list[str]:
    chance = random.Random(7)
    ids = []
    for index in range(count):
        dispute, _ = emulator.state.create_dispute(amount=f"{index + 1}.{index % 100:02d}")
        status = chance.choice(STATUSES)
        if status != "created":
            emulator.state.transition(dispute["id"], status)
        ids.append(dispute["id"])
    return ids


def event_count(runtime: Runtime) -> int:
    with runtime.database.reading() as session:
        return session.scalar(select(func.count()).select_from(DisputeEventRow)) or 0


def test_500_disputes_with_faults_each_stored_once_and_a_rerun_duplicates_nothing(
    runtime: Runtime, emulator: PaystandEmulator
) -> None:
    # Given 500 disputes and an API that fails or hangs on some calls
    ids = open_disputes(emulator, 500)
    emulator.state.faults.error_rate = 0.15
    emulator.state.faults.hang_rate = 0.03
    emulator.state.faults.hang_seconds = 1.5
    # When the sync runs
    report = sync_provider(runtime, "paystand")
    # Then every dispute is stored exactly once, with its exact amount
    assert (report.state, report.seen, report.new, report.failed) == ("finished", 500, 500, 0)
    assert count_disputes(runtime) == 500
    assert event_count(runtime) == 500
    faults = [r for r in emulator.state.requests if r[1] == "/disputes"]
    assert len(faults) > 10  # some pages were asked for more than once
    row = dispute_row(runtime, ids[123])
    assert row is not None
    assert row.amount == "124.23"
    # When it runs again over an unchanged API: nothing new, nothing changed
    again = sync_provider(runtime, "paystand")
    assert (again.state, again.seen, again.new, again.updated) == ("finished", 500, 0, 0)
    assert event_count(runtime) == 500
    # When three disputes change, a third run records exactly those
    for dispute_id in ids[:3]:
        emulator.state.transition(dispute_id, "won")
    third = sync_provider(runtime, "paystand")
    assert (third.new, third.updated) == (0, 3)
    assert event_count(runtime) == 503
    assert {dispute_row(runtime, i).status for i in ids[:3]} == {"won"}  # type: ignore[union-attr]


def test_sync_stopped_by_an_outage_resumes_without_duplicates(
    runtime: Runtime, emulator: PaystandEmulator
) -> None:
    open_disputes(emulator, 180)

    def outage_after_the_first_page(seen: int) -> None:
        if seen == 50:
            emulator.state.faults.error_rate = 1.0

    # When the API goes down after the first page
    stopped = sync_provider(runtime, "paystand", progress=outage_after_the_first_page)
    assert stopped.state == "failed"
    assert stopped.error is not None
    assert "Paystand did not answer" in stopped.error
    assert count_disputes(runtime) == 50
    # Then a later run completes the rest and stores nothing twice
    emulator.state.faults.error_rate = 0.0
    resumed = sync_provider(runtime, "paystand")
    assert (resumed.state, resumed.seen, resumed.new) == ("finished", 180, 130)
    assert count_disputes(runtime) == 180
    assert event_count(runtime) == 180
    assert last_reports(runtime)["paystand"].state == "finished"


def test_an_unreadable_dispute_does_not_hold_back_the_others(
    runtime: Runtime, emulator: PaystandEmulator
) -> None:
    ids = open_disputes(emulator, 5)
    emulator.state.set_state(ids[2], amount=12.5)  # a number, not a decimal string
    report = sync_provider(runtime, "paystand")
    # The run finishes: the unreadable one is recorded against its id, the rest are stored
    assert report.state == "finished"
    assert (report.seen, report.new, report.failed) == (5, 4, 1)
    assert [entry["dispute_id"] for entry in report.errors] == [ids[2]]
    assert "cannot be read" in report.errors[0]["error"]
    assert count_disputes(runtime) == 4


def test_the_sync_command(
    emulator: PaystandEmulator,
    paystand_settings: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    open_disputes(emulator, 60)
    cli_environment(monkeypatch, tmp_path, paystand_settings)
    assert main(["sync", "--provider", "paystand"]) == 0
    assert "paystand: finished, seen 60, new 60" in capsys.readouterr().out
    assert main(["sync", "--provider", "paystand"]) == 0
    assert "seen 60, new 0, updated 0" in capsys.readouterr().out


def test_the_sync_command_with_a_short_webhook_token_fails_in_one_line(
    paystand_settings: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli_environment(monkeypatch, tmp_path, paystand_settings, paystand_webhook_token="short")
    assert main(["sync", "--provider", "paystand"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("disputes: DISPUTES_PAYSTAND_WEBHOOK_TOKEN: must be at least 32")
    assert error.count("\n") == 1
