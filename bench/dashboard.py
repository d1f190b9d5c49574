"""Benchmark: the dashboard's and API's read queries at a small and a large number of disputes.

``python -m bench.dashboard [--url URL] [--baseline 10000] [--size 1000000] [--runs 30]``

Fills (or reuses) a baseline database and a large one with :mod:`bench.generate`, then times
the app's own queries on both, interleaved, and prints p50/p95 per query and the ratio
large/baseline: the list page (with its related rows) unfiltered and per filter, a cursor page
at 99 % depth, one dispute's detail, and the statistics. ``--url`` takes a SQLite file path
prefix or a PostgreSQL server URL (databases ``<name>_<size>`` are created there).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.generate import generate
from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute
from engine.decisions.assess import win_histories
from engine.stats import compute_stats
from web.queries import Filters, encode_cursor, find_dispute, list_disputes, load_related

Query = Callable[[Session], object]


@dataclass
class Target:
    size: int
    database: Database
    deep_cursor: str
    some_dispute: tuple[str, str]


def fresh_postgres(url: str, suffix: str) -> str:
    """An empty database ``<name>_<suffix>`` on the PostgreSQL server of ``url`` (dropped first
    if a previous run left it); returns its URL."""
    server = make_url(url)
    name = f"{server.database or 'bench'}_{suffix}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def database_for(url: str, size: int) -> Database:
    """A database holding ``size`` disputes, generated on first use and kept for reruns."""
    if url.startswith("postgresql"):
        server = make_url(url)
        name = f"{server.database or 'bench'}_{size}"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        database = Database(server.set(database=name).render_as_string(hide_password=False))
    else:
        database = Database(f"sqlite:///{url}_{size}.db")
    upgrade(database)  # a kept database follows the schema (0007 added columns)
    with database.reading() as session:
        have = session.scalar(select(func.count()).select_from(Dispute)) or 0
    if have < size:
        seconds = generate(database, size - have, start=have)
        print(f"generated {size - have} disputes in {seconds:.0f} s")
        with database.transaction() as session:
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text("ANALYZE disputes"))
            else:
                session.execute(text("ANALYZE"))
    return database


def target(url: str, size: int) -> Target:
    database = database_for(url, size)
    with database.reading() as session:
        sort = func.coalesce(Dispute.created_at, Dispute.first_seen_at)
        deep = session.scalars(
            select(Dispute).order_by(sort.desc(), Dispute.id.desc()).offset(int(size * 0.99))
        ).first()
        assert deep is not None
        return Target(size, database, encode_cursor(deep), (deep.provider, deep.dispute_id))


def queries(t: Target) -> dict[str, Query]:
    def page(filters: Filters, cursor: str | None = None) -> Query:
        def run(session: Session) -> object:
            rows, _ = list_disputes(session, filters, 25, cursor)
            return load_related(session, [row.id for row in rows])

        return run

    def detail(session: Session) -> object:
        """What the detail page reads: the dispute, its events and versions, the win history
        of its reason (for the fight-or-accept panel)."""
        row = find_dispute(session, *t.some_dispute)
        assert row is not None
        return load_related(session, [row.id]), win_histories(session).get(row.reason)

    return {
        "list": page(Filters()),
        "list status=needs_response": page(Filters(status="needs_response")),
        "list provider=paystand": page(Filters(provider="paystand")),
        "list reason=duplicate": page(Filters(reason="duplicate")),
        "list stage=inquiry": page(Filters(stage="inquiry")),
        "list cursor at 99%": page(Filters(), t.deep_cursor),
        "detail": detail,
        "stats": compute_stats,
    }


def timed(database: Database, query: Query) -> float:
    began = time.perf_counter()
    with database.reading() as session:
        query(session)
    return (time.perf_counter() - began) * 1000


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else samples[0]


def run(url: str, baseline: int, size: int, runs: int) -> None:
    small, large = target(url, baseline), target(url, size)
    small_queries, large_queries = queries(small), queries(large)
    print(f"{'query':32} {'p50 ms':>9} {'p95 ms':>9} | {'p50 ms':>9} {'p95 ms':>9} | p95 ratio")
    print(f"{'':32} {f'{baseline:,} disputes':>19} | {f'{size:,} disputes':>19} |")
    for name in small_queries:
        a: list[float] = []
        b: list[float] = []
        # One untimed run each first: the first read of a page's rows comes from disk, not
        # from the cache every later request of a running server would hit.
        timed(small.database, small_queries[name])
        timed(large.database, large_queries[name])
        for _ in range(runs):  # interleaved, so both see the same machine load
            a.append(timed(small.database, small_queries[name]))
            b.append(timed(large.database, large_queries[name]))
        print(
            f"{name:32} {statistics.median(a):9.2f} {p95(a):9.2f} | "
            f"{statistics.median(b):9.2f} {p95(b):9.2f} | {p95(b) / p95(a):6.2f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="/tmp/disputes-bench")
    parser.add_argument("--baseline", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    run(args.url, args.baseline, args.size, args.runs)


if __name__ == "__main__":
    main()
