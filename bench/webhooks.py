"""Benchmark: signed Stripe dispute webhooks, the engine against a bare Litestar endpoint.

``python -m bench.webhooks [--url sqlite|postgresql://…] [--seconds 5] [--rounds 3]
[--connections 16] [--preload 200000]``

Starts, on free ports, the bare endpoint (:mod:`bench.webhook_apps`: the same HMAC check and
nothing else), the engine as ``disputes serve`` runs it (its worker included) on an empty
database, and — with ``--preload`` — the engine on a database already holding that many
disputes. One load generator (:mod:`bench.load`) drives them in interleaved rounds and prints:

* requests per second of each (medians of the rounds) and the ratio engine / bare;
* the engine's p50/p99 latency at half its own maximum rate (paced, from the scheduled time);
* the cost per webhook with the preloaded database against the empty one (a rate ratio);
* that every event answered 2xx is stored exactly once;
* from a 2xx to the dispute's new status in ``GET /api/disputes/stripe/{id}``: p50/p99.

Each webhook is a new event (``charge.dispute.updated``) about one of 2,000 disputes, moving it
between statuses that need no evidence work, so the worker's evidence building (which calls
the processor) stays out of the measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import httpx
from sqlalchemy import func, select

from bench.dashboard import database_for, fresh_postgres
from bench.load import Request, Result, drive, percentile
from bench.webhook_apps import SIGNING_KEY_FROM
from emulators.stripe import sign
from engine.db.database import Database
from engine.db.models import DisputeEventRow
from engine.intake.inbox import wait_until_applied

WEBHOOK_SECRET = "whsec_bench_0123456789abcdef"  # noqa: S105 - a throwaway test secret
DASHBOARD_KEY = "bench-dashboard-key-0123456789"
DISPUTES = 2_000
STATUSES = ("under_review", "won", "lost", "warning_under_review", "warning_closed")
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "stripe"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _template() -> str:
    """A Stripe ``charge.dispute.updated`` event as Stripe sends it (from the test fixtures),
    serialised once with placeholders, so each delivery costs a few string replacements."""
    event = json.loads((FIXTURE / "lifecycle_won.json").read_text())[0]
    dispute = event["data"]["object"]
    dispute.update(
        id="dp_@DISPUTE@", charge="ch_@DISPUTE@", payment_intent="pi_@DISPUTE@", status="@STATUS@"
    )
    event.update(id="evt_@EVENT@", type="@TYPE@")
    return json.dumps(event)


class Deliveries(Sequence[Request]):
    """The ``n``-th signed delivery on demand: a new event id about one of :data:`DISPUTES`
    disputes, moving it to the next status."""

    def __init__(self, template: str, now: int, size: int = 10_000_000) -> None:
        self.template, self.now, self.size = template, now, size
        # Event ids unique to this run: a preloaded database is kept between runs, and a
        # rerun's events must not read as the last run's duplicates.
        self.run = f"{now:x}"

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, n: int) -> Request: ...
    @overload
    def __getitem__(self, n: slice) -> Sequence[Request]: ...
    def __getitem__(self, n: int | slice) -> Request | Sequence[Request]:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(self.size))]
        return self.delivery(n, n % DISPUTES)

    def delivery(
        self, n: int, dispute: int, status: str | None = None, kind: str = "charge.dispute.updated"
    ) -> Request:
        status = status or STATUSES[(n // DISPUTES) % len(STATUSES)]
        body = (
            self.template.replace("@DISPUTE@", f"bench{dispute:07d}")
            .replace("@EVENT@", self.event_id(n).removeprefix("evt_"))
            .replace("@STATUS@", status)
            .replace("@TYPE@", kind)
            .encode()
        )
        return Request(
            "/webhooks/stripe",
            {"Content-Type": "application/json", "Stripe-Signature": self.sign(body)},
            body,
        )

    def event_id(self, n: int) -> str:
        return f"evt_bench{self.run}_{n:09d}"

    def sign(self, body: bytes) -> str:
        """The ``Stripe-Signature`` header Stripe would send with ``body``."""
        return sign(body, WEBHOOK_SECRET, self.now)


@dataclass
class Server:
    name: str
    port: int
    database: Database | None = None


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not start")


@contextmanager
def _process(command: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        _wait_until_up(port, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def _engine_env(database_url: str, data_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DISPUTES_DATABASE_URL": database_url,
        "DISPUTES_DATA_DIR": str(data_dir),
        "DISPUTES_STRIPE_API_KEY": "sk_test_bench",
        "DISPUTES_STRIPE_API_BASE": "http://127.0.0.1:9",  # never called by these events
        "DISPUTES_STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "DISPUTES_DASHBOARD_KEY": DASHBOARD_KEY,
        "DISPUTES_AUTO_SUBMIT": "false",
    }


def _engine_database(url: str, label: str, preload: int, scratch: Path) -> Database:
    """An empty (``preload`` 0) or preloaded database, fresh for every run of the benchmark."""
    if url.startswith("postgresql"):
        if preload:
            return database_for(url, preload)
        return Database(fresh_postgres(url, f"webhooks_{label}"))
    if preload:
        return database_for(str(scratch.parent / "disputes-bench"), preload)
    return Database(f"sqlite:///{scratch / f'{label}.db'}")


def _stored_once(database: Database, results: list[Result], sent_ids: set[str], run: str) -> str:
    with database.reading() as session:
        stored = session.scalar(
            select(func.count())
            .select_from(DisputeEventRow)
            .where(DisputeEventRow.event_id.like(f"evt_bench{run}_%"))
        )
    ok = sum(result.ok for result in results)
    verdict = "yes" if stored == len(sent_ids) == ok else "NO"
    return f"{ok:,} answered 2xx, {len(sent_ids):,} distinct events, {stored:,} stored: {verdict}"


def _time_to_state(port: int, deliveries: Deliveries, start: int, samples: int) -> list[float]:
    """Send one webhook at a time and poll the API until the dispute shows its new status."""
    delays: list[float] = []
    headers = {"Authorization": f"Bearer {DASHBOARD_KEY}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=10) as client:
        for n in range(start, start + samples):
            dispute = DISPUTES + n  # a dispute no earlier load touched
            request = deliveries.delivery(n, dispute)
            expected = json.loads(request.body)["data"]["object"]["status"]
            answered = client.post(request.path, content=request.body, headers=request.headers)
            answered.raise_for_status()
            began = time.perf_counter()
            while True:
                shown = client.get(f"/api/disputes/stripe/dp_bench{dispute:07d}")
                if shown.status_code == 200 and shown.json()["provider_status"] == expected:
                    break
                if time.perf_counter() - began > 30:
                    raise SystemExit(f"dispute {dispute} never showed {expected}")
                time.sleep(0.005)
            delays.append((time.perf_counter() - began) * 1000)
    return delays


def run(args: argparse.Namespace) -> None:
    requests = Deliveries(_template(), int(time.time()))
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-webhooks-")))
        servers = [Server("bare", _free_port())]
        stack.enter_context(
            _process(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "bench.webhook_apps:bare_app",
                    "--port",
                    str(servers[0].port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                {**os.environ, SIGNING_KEY_FROM: WEBHOOK_SECRET},
                servers[0].port,
            )
        )
        labels = [("engine", 0)] + (
            [(f"engine+{args.preload:,}", args.preload)] if args.preload else []
        )
        for label, preload in labels:
            database = _engine_database(
                args.url, label.replace("+", "_").replace(",", ""), preload, scratch
            )
            port = _free_port()
            data_dir = scratch / f"data-{port}"
            env = _engine_env(database.url.render_as_string(hide_password=False), data_dir)
            command = [sys.executable, "-m", "web.cli", "serve", "--port", str(port)]
            stack.enter_context(_process(command, env, port))
            servers.append(Server(label, port, database))
        rates: dict[str, list[float]] = {server.name: [] for server in servers}
        results: dict[str, list[Result]] = {server.name: [] for server in servers}
        sent: dict[str, set[str]] = {server.name: set() for server in servers}
        drains: dict[str, list[float]] = {server.name: [] for server in servers}
        cursor = 0
        for _ in range(args.rounds):
            for server in servers:  # interleaved: every side sees the same machine
                result, cursor = drive(
                    server.port,
                    requests,
                    cursor,
                    connections=args.connections,
                    seconds=args.seconds,
                )
                rates[server.name].append(result.rate)
                results[server.name].append(result)
                sent[server.name].update(requests.event_id(i) for i in result.sent)
                if server.database is not None:
                    # What the engine answered ``received`` it applies after the burst: let it
                    # finish, so the next side is measured on a quiet machine.
                    began = time.perf_counter()
                    wait_until_applied(server.database, timeout=600)
                    drains[server.name].append(time.perf_counter() - began)
        medians = {name: statistics.median(values) for name, values in rates.items()}
        print(f"{'endpoint':24} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  rounds")
        for server in servers:
            latencies = [ms for r in results[server.name] for ms in r.latencies_ms]
            print(
                f"{server.name:24} {medians[server.name]:8.0f} {percentile(latencies, 0.5):8.1f} "
                f"{percentile(latencies, 0.99):8.1f}  "
                + " ".join(f"{rate:.0f}" for rate in rates[server.name])
            )
        for server in servers[1:]:
            print(
                f"{server.name}: inbox applied within "
                + ", ".join(f"{seconds:.1f}" for seconds in drains[server.name])
                + " s after each round"
            )
        engine = servers[1]
        print(f"engine / bare: {medians['engine'] / medians['bare']:.2f}x (target >= 0.5x)")
        if args.preload:
            label = servers[2].name
            print(
                f"{label} / engine (cost per webhook): "
                f"{medians['engine'] / medians[label]:.2f}x (target <= 1.3x)"
            )
        half = medians["engine"] / 2
        paced, cursor = drive(
            engine.port,
            requests,
            cursor,
            connections=args.connections,
            seconds=args.seconds * 2,
            rate=half,
        )
        sent["engine"].update(requests.event_id(i) for i in paced.sent)
        results["engine"].append(paced)
        print(
            f"engine at half its rate ({half:.0f}/s): "
            f"p50 {percentile(paced.latencies_ms, 0.5):.1f} ms, "
            f"p99 {percentile(paced.latencies_ms, 0.99):.1f} ms (target p99 <= 50 ms)"
        )
        for server in servers[1:]:
            assert server.database is not None
            began = time.perf_counter()
            wait_until_applied(server.database, timeout=600)
            print(
                f"inbox of {server.name} applied {time.perf_counter() - began:.1f} s "
                "after the last request"
            )
            print(
                f"stored exactly once on {server.name}: "
                + _stored_once(
                    server.database, results[server.name], sent[server.name], requests.run
                )
            )
        delays = _time_to_state(engine.port, requests, cursor, args.samples)
        print(
            f"2xx to new state in the API ({len(delays)} webhooks): "
            f"p50 {percentile(delays, 0.5):.1f} ms, p99 {percentile(delays, 0.99):.1f} ms "
            "(target p99 <= 2000 ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", default="sqlite", help="'sqlite' or a PostgreSQL server URL")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--preload", type=int, default=0, help="also run on this many disputes")
    parser.add_argument("--samples", type=int, default=200, help="2xx-to-state samples")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
