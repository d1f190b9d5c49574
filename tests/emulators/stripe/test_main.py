"""``python -m emulators.stripe`` serves the same emulator for a demo."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import stripe

from tests.support.serving import free_port

ROOT = Path(__file__).resolve().parents[3]


def test_the_module_runs_a_seeded_emulator_until_terminated() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.stripe", "--port", str(port), "--seed-disputes", "3"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in banner
        client = stripe.StripeClient(
            "sk_test_demo", base_addresses={"api": f"http://127.0.0.1:{port}"}
        )
        disputes = client.v1.disputes.list()
        assert [d.status for d in disputes.data] == ["needs_response"] * 3
        # the demo adds more through the control route
        made = httpx.post(
            f"http://127.0.0.1:{port}/_emulator/disputes",
            json={"status": "warning_needs_response", "amount": 1500, "currency": "eur"},
        )
        assert made.status_code == 200
        assert client.v1.disputes.retrieve(made.json()["id"]).amount == 1500
        refused = httpx.post(f"http://127.0.0.1:{port}/_emulator/disputes", content=b"[1]")
        assert refused.status_code == 400
    finally:
        process.send_signal(signal.SIGTERM)
        started = time.monotonic()
        process.wait(timeout=15)
    assert process.returncode == 0
    assert time.monotonic() - started < 15
