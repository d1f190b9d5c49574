"""``disputes sync --provider stripe`` against 1,000 emulated disputes, faults included."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from emulators.stripe import StripeEmulator
from engine.db.models import Dispute, DisputeEventRow, Submission, SyncRun
from engine.disputes.sync import sync_provider
from engine.evidence.model import EvidencePacket
from engine.runtime import Runtime
from tests.providers.stripe.conftest import drain_queue

REPO = Path(__file__).resolve().parents[3]
STATUSES = ["needs_response"] * 3 + ["under_review", "won", "lost", "warning_closed"] * 2
"""About 3 in 11 disputes are open and unanswered; the rest are in review or closed."""


def seed(emulator: StripeEmulator, count: int) -> Counter[str]:
    start = int(time.time()) - 10 * count
    made: Counter[str] = Counter()
    for index in range(count):
        status = STATUSES[index % len(STATUSES)]
        emulator.state.add_dispute(status=status, created=start + index // 3, emit=False)
        made[status] += 1
    return made


def test_sync_of_1000_disputes_with_injected_faults_answers_each_open_one_once(
    stripe_runtime: Runtime,
    stripe_emulator: StripeEmulator,
    packet: EvidencePacket,
    fast_retries: None,
) -> None:
    # Given 1,000 disputes at Stripe, and a Stripe that fails 10% of requests with 500/429
    made = seed(stripe_emulator, 1000)
    stripe_emulator.faults.error_rate = 0.10

    # When the engine syncs and its worker answers what was queued
    report = sync_provider(stripe_runtime, "stripe")
    drain_queue(stripe_runtime, packet)

    # Then every dispute is stored once and each open one was submitted exactly once
    assert (report.state, report.seen, report.new, report.failed) == ("finished", 1000, 1000, 0)
    assert report.queued == made["needs_response"]
    faults = Counter(r.fault for r in stripe_emulator.requests if r.fault)
    assert faults["500"] > 0
    assert faults["429"] > 0
    with stripe_runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 1000
        rows = session.scalars(select(Dispute)).all()
        assert len({row.dispute_id for row in rows}) == 1000
        states = Counter(s.state for s in session.scalars(select(Submission)))
    assert states == {"succeeded": made["needs_response"]}
    open_ids = {
        owned.object["id"]
        for owned in stripe_emulator.state.disputes.values()
        if owned.object["evidence_details"]["submission_count"]
    }
    assert len(open_ids) == made["needs_response"]
    assert set(stripe_emulator.state.counters.submissions.values()) == {1}
    assert set(stripe_emulator.state.counters.submissions) == open_ids
    pages = [r for r in stripe_emulator.requests_for("GET", "/v1/disputes") if r.status == 200]
    assert len(pages) == 10

    # When sync runs again (twice): nothing is duplicated and nothing is submitted again
    stripe_emulator.faults.error_rate = 0.0
    again = sync_provider(stripe_runtime, "stripe")
    third = sync_provider(stripe_runtime, "stripe")
    drain_queue(stripe_runtime, packet)
    assert (again.new, again.queued, again.failed) == (0, 0, 0)
    assert again.updated == made["needs_response"]  # they moved on at Stripe (won)
    assert (third.new, third.updated, third.queued) == (0, 0, 0)
    with stripe_runtime.database.reading() as session:
        assert session.scalar(select(func.count()).select_from(Dispute)) == 1000
        assert (
            session.scalar(select(func.count()).select_from(Submission)) == made["needs_response"]
        )
        events = session.scalar(select(func.count()).select_from(DisputeEventRow))
        assert events == 1000 + made["needs_response"]
        assert session.scalar(select(func.count()).select_from(SyncRun)) == 3
    assert set(stripe_emulator.state.counters.submissions.values()) == {1}


def test_the_sync_command_runs_end_to_end(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    made = seed(stripe_emulator, 150)
    env = {key: value for key, value in os.environ.items() if not key.startswith("DISPUTES_")}
    env.update({f"DISPUTES_{key}": value for key, value in stripe_runtime.settings.values.items()})
    env["DISPUTES_DATA_DIR"] = str(stripe_runtime.settings.data_dir)
    command = [sys.executable, "-m", "web.cli", "sync", "--provider", "stripe"]
    result = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "stripe: finished, seen 150, new 150, updated 0" in result.stdout
    with stripe_runtime.database.reading() as session:
        [run] = session.scalars(select(SyncRun)).all()
        assert (run.state, run.seen, run.new, run.failed) == ("finished", 150, 150, 0)
        assert run.queued == made["needs_response"]
    # A wrong API base is one clear line and a non-zero exit, never a traceback
    env["DISPUTES_STRIPE_API_BASE"] = "ftp://nowhere"
    result = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "disputes: DISPUTES_STRIPE_API_BASE: must be an http(s) URL"
    ]


def test_an_unreadable_dispute_is_recorded_and_the_sync_goes_on(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    # Given three disputes, one of which Stripe sends with an amount that is not an integer
    made = [
        stripe_emulator.state.add_dispute(created=1_700_000_000 + i, emit=False) for i in range(3)
    ]
    broken = str(made[1]["id"])
    stripe_emulator.state.disputes[broken].object["amount"] = "49.00"
    # When the engine syncs
    report = sync_provider(stripe_runtime, "stripe")
    # Then the other two are stored and the broken one is named in the report
    assert (report.state, report.seen, report.new, report.failed) == ("finished", 3, 2, 1)
    assert report.errors[0]["dispute_id"] == broken
    assert "cannot be read" in report.errors[0]["error"]


def test_stripe_down_beyond_retries_fails_the_sync_clearly_and_a_rerun_completes(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, fast_retries: None
) -> None:
    seed(stripe_emulator, 30)
    stripe_emulator.faults.add_rule("GET", "/v1/disputes", "500", times=5)  # 1 + 4 retries
    report = sync_provider(stripe_runtime, "stripe")
    assert (report.state, report.seen) == ("failed", 0)
    assert report.error is not None
    assert report.error.startswith("Stripe failed:")
    again = sync_provider(stripe_runtime, "stripe")
    assert (again.state, again.seen, again.new) == ("finished", 30, 30)
