"""A burst of signed Stripe webhooks against ``disputes serve``, killed -9 right after the last
answer: every delivery it answered 2xx is applied once the next ``serve`` starts — on SQLite and
PostgreSQL. The inbox makes the answers fast; this proves it loses nothing doing so."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select

from bench.load import drive
from bench.webhooks import DISPUTES, Deliveries, _engine_env, _template
from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute, DisputeEventRow, WebhookDelivery
from engine.intake.inbox import backlog, wait_until_applied
from tests.support.serving import free_port

REPO = Path(__file__).resolve().parents[2]
BURST = 1_200


@contextmanager
def serve(url: str, data_dir: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--port", str(port)],
        cwd=REPO,
        env=_engine_env(url, data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "serve exited"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=30)


def test_a_burst_answered_then_killed_is_applied_after_the_restart(
    database_url: str, tmp_path: Path
) -> None:
    database = Database(database_url)
    upgrade(database)
    deliveries = Deliveries(_template(), int(time.time()))
    port = free_port()
    # given a burst answered by serve, which is then killed -9 at once
    with serve(database_url, tmp_path / "data", port) as process:
        result, _ = drive(port, deliveries[:BURST], connections=32, seconds=60)
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    assert result.statuses == {200: BURST}
    with database.reading() as session:
        left = backlog(session)
    assert left > 0, "the burst was applied before the kill: nothing was left to recover"

    # when serve starts again
    with serve(database_url, tmp_path / "data", free_port()):
        wait_until_applied(database, timeout=60)

    # then every delivery answered 2xx is stored once, each event once, on the right dispute
    with database.reading() as session:
        assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == BURST
        assert session.scalar(select(func.count()).select_from(DisputeEventRow)) == BURST
        assert session.scalar(select(func.count()).select_from(Dispute)) == min(BURST, DISPUTES)
        outcomes = set(session.scalars(select(WebhookDelivery.outcome).distinct()))
    assert outcomes == {"applied"}
