"""A worker killed between the file upload and the submit: the restart submits exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from emulators.stripe import StripeEmulator
from engine.db.migrate import upgrade
from engine.db.models import Submission
from engine.disputes.sync import sync_provider
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.providers.stripe.conftest import dispute_pk

REPO = Path(__file__).resolve().parents[3]

WORKER = """
import sys
from pathlib import Path
from engine.runtime import Runtime
from engine.settings import load_settings
from engine.evidence.submission import submit_version
from tests.providers.stripe.conftest import make_packet

runtime = Runtime(load_settings())
outcome = submit_version(runtime.evidence, runtime.provider("stripe"), int(sys.argv[1]), 1, make_packet(Path(sys.argv[2])))
print(outcome.state, flush=True)
"""


def worker(runtime: Runtime, pk: int, packet_dir: Path) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DISPUTES_")}
    env.update({f"DISPUTES_{key}": value for key, value in runtime.settings.values.items()})
    env["DISPUTES_DATA_DIR"] = str(runtime.settings.data_dir)
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, str(pk), str(packet_dir)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def test_kill_after_upload_then_restart_submits_once_with_the_same_files(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, tmp_path: Path
) -> None:
    # Given an open dispute in the engine, and a Stripe that holds every evidence update
    dispute = stripe_emulator.state.add_dispute()
    dispute_id = str(dispute["id"])
    sync_provider(stripe_runtime, "stripe")
    pk = dispute_pk(stripe_runtime, dispute_id)
    stripe_emulator.faults.hang_seconds = 120
    hold = stripe_emulator.faults.add_rule("POST", rf"/v1/disputes/{dispute_id}", "hang")

    # When a worker uploads the receipt, reaches the submit and is killed -9 while waiting
    first = worker(stripe_runtime, pk, tmp_path)
    try:
        wait_for(lambda: len(stripe_emulator.state.files_for()) == 1 and hold.struck >= 1)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    uploaded = stripe_emulator.state.files_for()[0].id
    assert stripe_emulator.state.counters.submissions[dispute_id] == 0
    with stripe_runtime.database.reading() as session:
        assert [s.state for s in session.scalars(select(Submission))] == ["pending"]

    # And a fresh worker retries once Stripe answers again
    stripe_emulator.faults.clear()
    second = worker(stripe_runtime, pk, tmp_path)
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert out.strip() == "succeeded"

    # Then Stripe holds one submission, made with the file the first worker uploaded
    assert stripe_emulator.state.counters.submissions[dispute_id] == 1
    after = stripe_emulator.state.dispute(dispute_id)
    assert after["evidence_details"]["submission_count"] == 1
    assert after["evidence"]["receipt"] == uploaded
    assert [f.id for f in stripe_emulator.state.files_for()] == [uploaded]
    uploads = stripe_emulator.requests_for("POST", r"/v1/files")
    assert [r.replayed for r in uploads] == [False, True]
    with stripe_runtime.database.reading() as session:
        [record] = session.scalars(select(Submission)).all()
        assert (record.state, record.attempts) == ("succeeded", 2)


PIPELINE_WORKER = """
import sys
from engine.evidence.pipeline.respond import respond
from engine.runtime import Runtime
from engine.settings import load_settings

runtime = Runtime(load_settings())
print(respond(runtime, int(sys.argv[1]), "respond").state, flush=True)
"""


def pipeline_worker(runtime: Runtime, pk: int) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DISPUTES_")}
    env.update({f"DISPUTES_{key}": value for key, value in runtime.settings.values.items()})
    env["DISPUTES_DATA_DIR"] = str(runtime.settings.data_dir)
    return subprocess.Popen(
        [sys.executable, "-c", PIPELINE_WORKER, str(pk)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_pipeline_killed_before_submit_resumes_from_its_archive_and_submits_once(
    make_settings: MakeSettings, stripe_env: dict[str, str], stripe_emulator: StripeEmulator
) -> None:
    # About crash recovery of a submission: the policy submits whatever is built (the bare
    # emulator dispute has no evidence sources, so ``complete`` would hold it).
    stripe_runtime = Runtime(make_settings(**stripe_env, auto_submit="true"))
    upgrade(stripe_runtime.database)
    # Given the real pipeline building PDFs for an open dispute, and a Stripe holding the submit
    dispute_id = str(stripe_emulator.state.add_dispute()["id"])
    sync_provider(stripe_runtime, "stripe")
    pk = dispute_pk(stripe_runtime, dispute_id)
    stripe_emulator.faults.hang_seconds = 120
    hold = stripe_emulator.faults.add_rule("POST", rf"/v1/disputes/{dispute_id}", "hang")
    first = pipeline_worker(stripe_runtime, pk)
    try:
        wait_for(lambda: hold.struck >= 1, timeout=60)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    uploaded = sorted(f.id for f in stripe_emulator.state.files_for())
    assert uploaded
    # When a fresh worker takes the dispute over
    stripe_emulator.faults.clear()
    second = pipeline_worker(stripe_runtime, pk)
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err
    with stripe_runtime.database.reading() as session:
        errors = [s.error for s in session.scalars(select(Submission))]
    assert out.strip() == "submitted", errors
    # Then the archived files were sent again byte for byte: Stripe replayed the uploads
    assert sorted(f.id for f in stripe_emulator.state.files_for()) == uploaded
    assert stripe_emulator.state.counters.submissions[dispute_id] == 1
    after = stripe_emulator.state.dispute(dispute_id)
    assert sorted(v for k, v in after["evidence"].items() if str(v).startswith("file_")) == uploaded
    stripe_runtime.close()
