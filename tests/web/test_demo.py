"""``disputes demo`` as a user runs it: started in a subprocess, used over HTTP, stopped by
Ctrl-C (SIGINT), everything within bounded time."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TypeVar

import httpx

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0
WORK_TIMEOUT = 120.0


def test_demo_serves_both_processors_with_a_generated_design_and_stops_on_ctrl_c(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISPUTES_")}
    demo = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "demo", "--data-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    errors: list[str] = []
    assert demo.stdout is not None and demo.stderr is not None
    readers = [
        threading.Thread(target=_collect, args=(demo.stdout, lines), daemon=True),
        threading.Thread(target=_collect, args=(demo.stderr, errors), daemon=True),
    ]
    for reader in readers:
        reader.start()
    try:
        dashboard = _wait_for(lambda: _dashboard_url(lines), START_TIMEOUT, "the dashboard URL")
        match = re.fullmatch(r"(http://[^/]+)/disputes\?key=(\S+)", dashboard)
        assert match is not None, dashboard
        base, key = match.groups()
        with httpx.Client(base_url=base, timeout=10) as client:
            page = client.get(dashboard, follow_redirects=True)
            assert page.status_code == 200
            auth = {"Authorization": f"Bearer {key}"}

            def both_providers() -> dict[str, list[dict[str, object]]] | None:
                items = client.get("/api/disputes?limit=100", headers=auth).json()["items"]
                by_provider: dict[str, list[dict[str, object]]] = {}
                for item in items:
                    by_provider.setdefault(item["provider"], []).append(item)
                statuses = {(d["provider"], d["status"]) for d in items}
                # The demo's first sync is still reading while the page already answers: wait
                # until both processors' disputes are in, the decided ones included.
                expected = {("stripe", "won"), ("stripe", "lost"), ("paystand", "won")}
                return by_provider if expected <= statuses else None

            disputes = _wait_for(both_providers, WORK_TIMEOUT, "disputes of both processors")
            listing = client.get("/disputes").text  # the session cookie from the key
            for provider in ("stripe", "paystand"):
                assert str(disputes[provider][0]["dispute_id"]) in listing
        statuses = {(d["provider"], d["status"]) for ds in disputes.values() for d in ds}
        assert {("stripe", "won"), ("stripe", "lost"), ("paystand", "won")} <= statuses
        assert any(d["stage"] == "inquiry" for d in disputes["stripe"])
        assert all(d["status"] != "received" for d in disputes["paystand"])
        designs = _wait_for(lambda: _packet_designs(tmp_path), WORK_TIMEOUT, "a design in a packet")
        assert all(re.fullmatch(r"user\d+-design\d+\.png", name) for name in designs)
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            code = demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
            raise
        for reader in readers:
            reader.join(timeout=5)
    output, log = "".join(lines), "".join(errors)
    assert code == 0, log
    assert "--- Telegram to chat 42" in output
    assert output.rstrip().endswith("demo stopped")
    assert "refused" not in log.lower()
    assert "Traceback" not in log


def _collect(stream: IO[str], into: list[str]) -> None:
    into.extend(iter(stream.readline, ""))


def _dashboard_url(lines: list[str]) -> str | None:
    for line in list(lines):
        if line.startswith("Dashboard: "):
            return line.removeprefix("Dashboard: ").strip()
    return None


def _packet_designs(folder: Path) -> list[str] | None:
    database = folder / "data" / "disputes.db"
    if not database.exists():
        return None
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT sources FROM evidence_versions").fetchall()
    names = [
        attachment["name"]
        for (sources,) in rows
        for attachment in json.loads(sources).get("app_sql", {}).get("attachments", [])
    ]
    return names or None


def _wait_for(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"the demo did not show {what} within {timeout:.0f} s")
