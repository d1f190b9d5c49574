"""The running tallies always equal a recount of the disputes, whatever the events and their order."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import DisputeTally, EventSource, FeeTally, MonthTally
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import DisputeEvent, Money, Status
from engine.stats import tallies
from tests.support.acme import event_for

START = datetime(2026, 1, 30, tzinfo=UTC)
_databases = itertools.count()

events = st.builds(
    lambda dispute, n, status, amount, currency, reason, days, fee: event_for(
        "acme",
        f"evt_{dispute}_{n}",
        f"dp_{dispute}",
        status,
        amount=amount,
        currency=currency,
        reason=reason,
        created_at=START + timedelta(days=days),
        occurred_at=START + timedelta(hours=n),
        fees=(Money(amount=Decimal(fee), currency=currency),) if fee else (),
    ),
    dispute=st.integers(0, 5),
    n=st.integers(0, 30),
    status=st.sampled_from(list(Status)),
    amount=st.sampled_from(["0.00", "1.50", "49.00", "798.29", "1000000.125"]),
    currency=st.sampled_from(["USD", "EUR", "jpy"]),
    reason=st.sampled_from(["fraudulent", "duplicate", "general"]),
    days=st.integers(0, 3),  # crosses a month boundary
    fee=st.sampled_from([None, "15.00", "-15.00", "35.00"]),
)


Tallies = tuple[dict[tuple[str, ...], tuple[int, int]], dict[tuple[str, str], int], dict[str, int]]


def _running(database: Database) -> Tallies:
    """Tallies summed over shards, without the empty ones."""
    disputes: dict[tuple[str, ...], tuple[int, int]] = {}
    months: dict[tuple[str, str], int] = {}
    fees: dict[str, int] = {}
    with database.reading() as session:
        for row in session.scalars(select(DisputeTally)):
            key = (row.provider, row.reason, row.status, row.currency)
            count, amount = disputes.get(key, (0, 0))
            disputes[key] = (count + row.disputes, amount + row.amount)
        for tally in session.scalars(select(MonthTally)):
            month = (tally.month, tally.status)
            months[month] = months.get(month, 0) + tally.disputes
        for fee in session.scalars(select(FeeTally)):
            fees[fee.currency] = fees.get(fee.currency, 0) + fee.amount
    return (
        {key: value for key, value in disputes.items() if value != (0, 0)},
        {key: count for key, count in months.items() if count},
        {currency: amount for currency, amount in fees.items() if amount},
    )


def _check(database: Database, batch: Sequence[DisputeEvent]) -> None:
    upgrade(database)
    book = DisputeBook(database)
    for event in batch:
        book.apply_one(event, source=EventSource.WEBHOOK)
    running = _running(database)
    with database.transaction() as session:
        tallies.rebuild(session)
    assert running == _running(database)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batch=st.lists(events, min_size=1, max_size=25))
def test_running_tallies_equal_a_recount_on_sqlite(
    tmp_path: Path, batch: list[DisputeEvent]
) -> None:
    database = Database(f"sqlite:///{tmp_path / f'{next(_databases)}.db'}")
    _check(database, batch)


def test_running_tallies_equal_a_recount_on_both_databases(database_url: str) -> None:
    batch = [
        event_for("acme", "e1", "dp_1", Status.NEEDS_RESPONSE, amount="10.00", created_at=START),
        event_for("acme", "e2", "dp_1", Status.UNDER_REVIEW, amount="10.00", created_at=START),
        event_for(
            "acme",
            "e3",
            "dp_1",
            Status.WON,
            amount="10.00",
            created_at=START,
            fees=(Money(amount=Decimal("15.00"), currency="USD"),),
            occurred_at=START + timedelta(days=3),
        ),
        event_for("acme", "e4", "dp_2", Status.LOST, amount="798.29", currency="EUR"),
        event_for("acme", "e4", "dp_2", Status.LOST, amount="798.29", currency="EUR"),
    ]
    _check(Database(database_url), batch)


def test_a_duplicate_event_moves_no_tally(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'd.db'}")
    upgrade(database)
    book = DisputeBook(database)
    event = event_for("acme", "e1", "dp_1", Status.NEEDS_RESPONSE, amount="10.00")
    book.apply_one(event, source=EventSource.WEBHOOK)
    book.apply_one(event, source=EventSource.WEBHOOK)
    disputes, months, _ = _running(database)
    assert list(disputes.values()) == [(1, 10_000)]
    assert list(months.values()) == [1]
