"""Benchmark: ``disputes sync`` — CPU per dispute as the account grows, and peak memory.

``python -m bench.sync [--sizes 2000,20000] [--rss-size 100000] [--url sqlite|postgresql://…]``

For each size, starts the Stripe emulator (a separate process) seeded with that many open
disputes, runs ``disputes sync`` as a separate process on a fresh database, and reads the sync
process's own CPU time and peak RSS from ``wait4``. Prints CPU per dispute at each size and the
ratio largest / smallest (target: at most 1.3x at 20k against 2k), and the peak RSS of the sync
at ``--rss-size`` disputes (target: at most 200 MB at 100k).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from bench.dashboard import fresh_postgres
from engine.db.database import Database
from engine.db.models import Dispute


@dataclass(frozen=True)
class SyncRun:
    disputes: int
    cpu_seconds: float
    peak_rss_mb: float
    wall_seconds: float

    @property
    def cpu_ms_per_dispute(self) -> float:
        return self.cpu_seconds / self.disputes * 1000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _fresh_database(url: str, size: int, scratch: Path) -> str:
    if not url.startswith("postgresql"):
        return f"sqlite:///{scratch / f'sync-{size}.db'}"
    return fresh_postgres(url, f"sync_{size}")


def _wait_until_seeded(emulator: subprocess.Popen[bytes]) -> None:
    """The emulator listens before it has seeded; its one line on stdout comes after."""
    assert emulator.stdout is not None
    if not emulator.stdout.readline():
        raise SystemExit(f"the Stripe emulator exited with {emulator.wait()}")


def sync_once(size: int, url: str, scratch: Path) -> SyncRun:
    port = _free_port()
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulators.stripe",
            "--port",
            str(port),
            "--seed-disputes",
            str(size),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_until_seeded(emulator)
        env = {
            **os.environ,
            "DISPUTES_DATABASE_URL": _fresh_database(url, size, scratch),
            "DISPUTES_DATA_DIR": str(scratch / f"data-{size}"),
            "DISPUTES_STRIPE_API_KEY": "sk_test_bench",
            "DISPUTES_STRIPE_API_BASE": f"http://127.0.0.1:{port}",
            "DISPUTES_STRIPE_WEBHOOK_SECRET": "whsec_bench_0123456789abcdef",
        }
        subprocess.run(  # migrate first, so the sync's own figures are the sync's
            [sys.executable, "-m", "web.cli", "db", "upgrade"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        began = time.monotonic()
        sync = subprocess.Popen(
            [sys.executable, "-m", "web.cli", "sync", "--provider", "stripe"],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(sync.pid, 0)
        sync.returncode = os.waitstatus_to_exitcode(status)
        if sync.returncode != 0:
            raise SystemExit(f"disputes sync exited with {sync.returncode}")
        stored = Database(env["DISPUTES_DATABASE_URL"])
        with stored.reading() as session:
            count = session.scalar(select(func.count()).select_from(Dispute)) or 0
        stored.dispose()
        if count != size:
            raise SystemExit(f"the sync stored {count:,} disputes of {size:,}")
        return SyncRun(
            disputes=size,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
            wall_seconds=time.monotonic() - began,
        )
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--rss-size", type=int, default=100_000)
    parser.add_argument("--url", default="sqlite", help="'sqlite' or a PostgreSQL server URL")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as scratch:
        runs = [sync_once(size, args.url, Path(scratch)) for size in sizes]
        print(
            f"{'disputes':>9} {'CPU s':>8} {'CPU ms/dispute':>15} {'peak RSS MB':>12} {'wall s':>8}"
        )
        for run in runs:
            print(
                f"{run.disputes:9,} {run.cpu_seconds:8.1f} {run.cpu_ms_per_dispute:15.2f} "
                f"{run.peak_rss_mb:12.0f} {run.wall_seconds:8.1f}"
            )
        ratio = runs[-1].cpu_ms_per_dispute / runs[0].cpu_ms_per_dispute
        print(
            f"CPU per dispute at {runs[-1].disputes:,} / {runs[0].disputes:,}: {ratio:.2f}x "
            "(target <= 1.3x)"
        )
        if args.rss_size:
            big = sync_once(args.rss_size, args.url, Path(scratch))
            print(
                f"peak RSS of the sync at {big.disputes:,} disputes: {big.peak_rss_mb:.0f} MB "
                f"(target <= 200 MB; {big.cpu_ms_per_dispute:.2f} ms CPU per dispute, "
                f"{big.wall_seconds:.0f} s)"
            )


if __name__ == "__main__":
    main()
