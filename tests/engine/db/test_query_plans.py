"""The hot read queries are served by indexes on both databases: the dashboard/API list (every
filter, with and without a cursor), a page's events, the worker's claim and "due soon"; the
statistics never read the disputes at all. The real queries are captured as the
app runs them, then explained; a full scan of a big table, or a sort for the keyset order, fails.

PostgreSQL plans by cost and a test table is tiny, so there sequential scans, bitmap scans and
sorts are priced out: an index path is then chosen exactly when one exists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.decisions.assess import win_histories
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import Status
from engine.intake.inbox import anything_due, apply_received, backlog
from engine.notifications.reminders import queue_reminders
from engine.stats import compute_stats
from engine.testing import MakeSettings
from engine.work.queue import claim_next
from tests.support.acme import event_for
from tests.support.engine import add_dispute, make_runtime
from web.dashboard import stats as dashboard_stats
from web.queries import Filters, encode_cursor, list_disputes, load_related

CURSOR_ROW = type("Row", (), {"created_at": datetime(2026, 1, 1, tzinfo=UTC), "id": 500})()


@contextmanager
def captured(database: Database) -> Iterator[list[tuple[str, Any]]]:
    queries: list[tuple[str, Any]] = []

    def remember(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        queries.append((statement, parameters))

    event.listen(database.engine, "before_cursor_execute", remember)
    try:
        yield queries
    finally:
        event.remove(database.engine, "before_cursor_execute", remember)


def plan(session: Session, statement: str, parameters: Any) -> str:
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return "\n".join(str(row[-1]) for row in rows)
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    rows = connection.exec_driver_sql(f"EXPLAIN {statement}", parameters)
    return "\n".join(str(row[0]) for row in rows)


_BIG_TABLES = ("disputes", "dispute_events", "webhook_deliveries")
_SORT_NODE = re.compile(r"(^|->)\s*(incremental\s+)?sort\s+\(")
"""A PostgreSQL sort node (``->  Sort  (cost=…``), not an index whose name ends in _sort."""


def assert_indexed(query_plan: str, statement: str, *, sort_allowed: bool = False) -> None:
    lowered = query_plan.lower()
    full_scans = [
        line
        for line in lowered.splitlines()
        if any(f"scan {table}" in line for table in _BIG_TABLES) and "using" not in line
    ]
    assert not full_scans, f"full scan in\n{query_plan}\nfor {statement}"
    assert "seq scan" not in lowered, f"full scan in\n{query_plan}\nfor {statement}"
    if sort_allowed:
        return
    assert "temp b-tree" not in lowered, f"sort in\n{query_plan}\nfor {statement}"
    sorts = [line for line in lowered.splitlines() if _SORT_NODE.search(line)]
    assert not sorts, f"sort in\n{query_plan}\nfor {statement}"


FILTERS = [
    Filters(),
    Filters(status="needs_response"),
    Filters(provider="stripe"),
    Filters(reason="fraudulent"),
    Filters(stage="chargeback"),
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: ",".join(f.active()) or "none")
@pytest.mark.parametrize("deep", [False, True], ids=["first-page", "cursor-page"])
def test_the_list_is_an_index_walk(database_url: str, filters: Filters, deep: bool) -> None:
    database = Database(database_url)
    upgrade(database)
    cursor = encode_cursor(CURSOR_ROW) if deep else None
    with captured(database) as queries, database.reading() as session:
        list_disputes(session, filters, 25, cursor)
    assert queries
    with database.reading() as session:
        for statement, parameters in queries:
            query_plan = plan(session, statement, parameters)
            assert_indexed(query_plan, statement)
            if deep and "FROM disputes" in statement:
                # A cursor page starts where the cursor points: an index *search*, never a walk
                # from the newest row down (SQLite's "SCAN … USING INDEX").
                assert "scan disputes" not in query_plan.lower(), query_plan


def test_a_pages_events_are_an_index_seek(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    with captured(database) as queries, database.reading() as session:
        load_related(session, [1, 2, 3])
    event_queries = [(s, p) for s, p in queries if "dispute_events" in s]
    assert event_queries
    with database.reading() as session:
        for statement, parameters in event_queries:
            query_plan = plan(session, statement, parameters)
            assert "dispute_pk" in query_plan.lower() or "ix_dispute_events" in query_plan.lower()
            full = [
                line
                for line in query_plan.lower().splitlines()
                if "scan dispute_events" in line and "using" not in line
            ]
            assert not full and "seq scan" not in query_plan.lower(), query_plan


def test_claiming_work_is_an_index_seek(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    with captured(database) as queries:
        assert claim_next(database, "worker-1") is None
    selects = [(s, p) for s, p in queries if s.lstrip().upper().startswith("SELECT")]
    assert selects
    with database.reading() as session:
        for statement, parameters in selects:
            query_plan = plan(session, statement, parameters)
            assert "ix_disputes_work" in query_plan.lower(), query_plan
            # Two states: the due rows of each are merged in order (only due rows are read).
            assert_indexed(query_plan, statement, sort_allowed=True)


def test_due_soon_is_an_index_seek(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    with captured(database) as queries, database.reading() as session:
        dashboard_stats.compute(session, datetime(2026, 12, 5, tzinfo=UTC))
    due = [(s, p) for s, p in queries if "respond_by" in s and "disputes" in s]
    assert due
    with database.reading() as session:
        for statement, parameters in due:
            query_plan = plan(session, statement, parameters)
            assert "ix_disputes_due" in query_plan.lower(), query_plan
            assert_indexed(query_plan, statement)


def test_the_statistics_never_read_the_disputes(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    with captured(database) as queries, database.reading() as session:
        compute_stats(session)
        dashboard_stats.compute(session, datetime(2026, 12, 5, tzinfo=UTC))
        win_histories(session)
    tables = {
        table
        for statement, _ in queries
        if "respond_by" not in statement  # "due soon" is a list, served by ix_disputes_due
        for table in re.findall(r"\bFROM\s+(\w+)", statement, flags=re.IGNORECASE)
    }
    assert tables and tables <= {"dispute_tallies", "month_tallies", "fee_tallies"}, tables


def test_the_action_needed_counts_are_index_seeks(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    with captured(database) as queries, database.reading() as session:
        dashboard_stats.action_needed(session, datetime(2026, 12, 5, tzinfo=UTC))
    counts = [(s, p) for s, p in queries if s.lstrip().upper().startswith("SELECT")]
    assert len(counts) == 3  # needs review, manual submission, due soon
    with database.reading() as session:
        for statement, parameters in counts:
            query_plan = plan(session, statement, parameters)
            assert_indexed(query_plan, statement)
            assert "ix_disputes_" in query_plan.lower(), query_plan


def test_the_reminder_search_is_an_index_seek(
    database_url: str, make_settings: MakeSettings
) -> None:
    # given a dispute due within a threshold, so the outbox is read for its keys too
    runtime = make_runtime(
        make_settings(database_url=database_url, telegram_bot_token="1:AA", telegram_chat_id="42")
    )
    now = datetime.now(UTC)
    add_dispute(runtime, "dp_due", respond_by=now + timedelta(hours=10))
    with captured(runtime.database) as queries:
        assert queue_reminders(runtime, now) == 1
    selects = [(s, p) for s, p in queries if s.lstrip().upper().startswith("SELECT")]
    due = [(s, p) for s, p in selects if "respond_by" in s]
    keys = [(s, p) for s, p in selects if "FROM notifications" in s]
    assert due and keys
    with runtime.database.reading() as session:
        for statement, parameters in due:
            query_plan = plan(session, statement, parameters)
            assert "ix_disputes_due" in query_plan.lower(), query_plan
            assert_indexed(query_plan, statement)
        for statement, parameters in keys:
            query_plan = plan(session, statement, parameters).lower()
            scans = [
                line
                for line in query_plan.splitlines()
                if "scan notifications" in line and "using" not in line
            ]
            assert not scans and "seq scan" not in query_plan, query_plan
    runtime.close()


def test_a_webhook_batch_and_the_inbox_are_index_seeks(database_url: str) -> None:
    from tests.engine.intake.test_inbox import deliver, store

    # given a dispute already known, and deliveries waiting in the inbox
    database = Database(database_url)
    upgrade(database)
    book = DisputeBook(database)
    book.record_batch([deliver(event_for("acme", "e0", "dp_known", Status.NEEDS_RESPONSE))])
    store(book, [deliver(event_for("acme", f"w{n}", f"dp_w{n}", Status.WON)) for n in range(3)])
    # when a batch about a known and a new dispute is applied, and then the inbox
    with captured(database) as queries:
        book.record_batch(
            [
                deliver(event_for("acme", "e1", "dp_known", Status.UNDER_REVIEW)),
                deliver(event_for("acme", "e2", "dp_new", Status.NEEDS_RESPONSE)),
            ]
        )
        assert apply_received(book, limit=16) == 3
        with database.reading() as session:
            backlog(session)
            anything_due(session)
    # then every read is an index seek: the disputes, their stored events, the inbox
    selects = [(s, p) for s, p in queries if s.lstrip().upper().startswith("SELECT")]
    assert any("webhook_deliveries" in s for s, _ in selects)
    with database.reading() as session:
        for statement, parameters in selects:
            query_plan = plan(session, statement, parameters)
            # The batch's own disputes (at most a batch of rows) are sorted by id, the order
            # they are locked in; nothing else may sort.
            batch_order = "ORDER BY disputes.id" in statement
            assert_indexed(query_plan, statement, sort_allowed=batch_order)
            if "FROM webhook_deliveries" in statement:
                assert "ix_webhook_deliveries_inbox" in query_plan.lower(), query_plan
