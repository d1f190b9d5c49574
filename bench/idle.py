"""Benchmark: what an idle ``disputes serve`` costs over a big database.

``python -m bench.idle [--url URL] [--size 1000000] [--seconds 30]``

Starts the engine with its in-process worker on a database of ``size`` disputes (made or reused
by :mod:`bench.dashboard`), nothing due, lets it settle, then reads the process's CPU time from
``/proc`` over ``seconds`` and prints the share of one core it used (target: at most 5%).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.dashboard import database_for

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its finished children, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:15]) / CLOCK_TICKS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="/tmp/disputes-bench")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    database = database_for(args.url, args.size)
    url = database.url.render_as_string(hide_password=False)
    database.dispose()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    with tempfile.TemporaryDirectory(prefix="bench-idle-") as data_dir:
        env = {**os.environ, "DISPUTES_DATABASE_URL": url, "DISPUTES_DATA_DIR": data_dir}
        process = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(10)  # start-up, migrations check, the first worker rounds
            if process.poll() is not None:
                raise SystemExit(f"disputes serve exited with {process.returncode}")
            before, began = cpu_seconds(process.pid), time.monotonic()
            time.sleep(args.seconds)
            used, elapsed = cpu_seconds(process.pid) - before, time.monotonic() - began
        finally:
            process.terminate()
            process.wait(timeout=30)
    share = used / elapsed * 100
    print(
        f"idle disputes serve over {args.size:,} disputes: {used:.2f} s CPU in {elapsed:.0f} s "
        f"= {share:.1f}% of a core (target <= 5%)"
    )


if __name__ == "__main__":
    main()
