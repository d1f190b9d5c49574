"""``disputes worker`` and ``disputes serve`` as processes: the outbox is sent by the worker
process, a bad notifier setting is one line, and the key never reaches serve's output."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import select

from emulators.telegram import TelegramEmulator
from engine.db.models import Dispute, NotificationRow
from engine.settings import load_settings
from tests.conftest import TELEGRAM_CHAT, TELEGRAM_TOKEN
from tests.support.engine import add_dispute, make_runtime

DISPUTES = str(Path(sys.executable).with_name("disputes"))
KEY = "serve-dashboard-key-0123"


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "DISPUTES_DATA_DIR": str(tmp_path / "data"),
        "DISPUTES_SECRET_KEY": "cli-secret-" + "x" * 40,
    }
    env.update({f"DISPUTES_{name.upper()}": value for name, value in extra.items()})
    return env


def wait_for(condition: object, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_the_worker_process_sends_the_outbox_and_stops_cleanly_on_sigterm(
    tmp_path: Path, telegram: TelegramEmulator
) -> None:
    env = environment(
        tmp_path,
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_chat_id=TELEGRAM_CHAT,
        telegram_api_base=telegram.url,
    )
    runtime = make_runtime(load_settings(env, cwd=tmp_path))
    pk = add_dispute(runtime, "dp_1")  # a new dispute: announced, and evidence work queued
    worker = subprocess.Popen(
        [DISPUTES, "worker"], env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True
    )
    try:
        wait_for(lambda: len(telegram.messages) >= 1)

        # the queued work was claimed and finished one way or another, never left hanging
        # (``acme`` is a test plugin the worker process does not load: its error is kept)
        def settled() -> bool:
            with runtime.database.reading() as session:
                dispute = session.get_one(Dispute, pk)
                return dispute.work_state == "idle" and dispute.work_error is not None

        wait_for(settled)
        wait_for(lambda: len(telegram.messages) == 2)  # and the person is told
    finally:
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=30)
    assert worker.returncode == 0, stderr
    first, second = (message.text for message in telegram.messages)
    assert first.startswith("New chargeback: 798.29 USD")
    assert second.startswith("⚠️ Needs attention: 798.29 USD")
    with runtime.database.reading() as session:
        rows = session.execute(select(NotificationRow.kind, NotificationRow.state)).all()
    assert sorted(rows) == [("needs_attention", "sent"), ("new_dispute", "sent")]


def test_a_bad_notifier_setting_stops_the_worker_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [DISPUTES, "worker"],
        env=environment(tmp_path, telegram_bot_token=TELEGRAM_TOKEN),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "disputes: DISPUTES_TELEGRAM_CHAT_ID: is not set (other Telegram settings are)\n"
    )


def test_serve_never_logs_the_dashboard_key(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [DISPUTES, "serve", "--port", str(port)],
        env=environment(tmp_path, dashboard_key=KEY),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                return httpx.get(f"{base}/healthz").status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(up, 60)
        answer = httpx.get(f"{base}/disputes?key={KEY}", follow_redirects=False)
        assert answer.status_code == 303
        assert httpx.get(f"{base}/disputes?key=wrong-key-wrong-key").status_code == 401
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=60)
    assert "GET /disputes 303" in output  # the app's own access line, path only
    assert KEY not in output
    assert "wrong-key-wrong-key" not in output
