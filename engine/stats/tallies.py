"""Running tallies of disputes, kept in the same transaction as every change to a dispute.

The statistics must cost the same at a million disputes as at ten thousand, so they are never
computed by scanning the disputes: each change to a dispute row moves its contribution from the
tally it left to the tally it joins (:func:`record_change`, called by the dispute book right
after it writes the row), and the statistics sum the tallies — a table of a few hundred rows.

A tally is keyed by what the statistics group by: provider, reason, status and currency; it holds
the number of disputes and their amount in integer thousandths (exact on every database, see
:mod:`engine.stats.aggregates`). The month a dispute was opened is tallied apart, with its status
only, and fees apart by the fee's own currency: each table stays a few hundred rows, so the
statistics cost the same at ten thousand disputes as at a million. Each key is spread over
:data:`SHARDS` rows by dispute id, so concurrent changes to disputes of the same kind rarely
wait on one row lock; the rows a change touches are written in key order, so two transactions
never lock them in opposite orders.

:func:`rebuild` recomputes every tally from the disputes themselves (the migration that created
the tables, bulk loads); a property test holds the running tallies equal to it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from sqlalchemy import Insert, delete, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.db.base import Base
from engine.db.models import Dispute, DisputeTally, FeeTally, MonthTally

SHARDS = 4
_SCALE = Decimal(1000)


@dataclass(frozen=True, order=True)
class TallyKey:
    provider: str
    reason: str
    status: str
    currency: str
    shard: int


@dataclass(frozen=True, order=True)
class MonthKey:
    month: str
    """``YYYY-MM`` the dispute was opened (the processor's date, else when first seen)."""
    status: str
    shard: int


@dataclass(frozen=True)
class Contribution:
    """What one dispute row adds to the tallies."""

    key: TallyKey
    month: MonthKey
    amount: int
    """Thousandths of the currency's major unit."""
    fees: Counter[tuple[str, int]]
    """Thousandths per (fee currency, shard)."""


def thousandths(amount: str | Decimal) -> int:
    """An exact decimal amount as integer thousandths, rounded as SQL's ``round`` does."""
    return int((Decimal(amount) * _SCALE).to_integral_value(rounding=ROUND_HALF_UP))


def month_key(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def contribution(row: Dispute) -> Contribution:
    opened = row.created_at or row.first_seen_at
    shard = row.id % SHARDS
    key = TallyKey(row.provider, row.reason, row.status, row.currency.upper(), shard)
    month = MonthKey(month_key(opened), row.status, shard)
    fees: Counter[tuple[str, int]] = Counter()
    for fee in row.fees or ():
        fees[(str(fee["currency"]).upper(), shard)] += thousandths(fee["amount"])
    return Contribution(key, month, thousandths(row.amount), fees)


def record_change(session: Session, before: Contribution | None, after: Contribution) -> None:
    """Move one dispute's contribution from ``before`` (``None``: a new dispute) to ``after``."""
    record_changes(session, [(before, after)])


def record_changes(
    session: Session, changes: Iterable[tuple[Contribution | None, Contribution]]
) -> None:
    """Move many disputes' contributions at once (a batch of webhooks): the moves are summed
    per tally row first, so each row is written once, in key order."""
    counts: Counter[TallyKey] = Counter()
    amounts: Counter[TallyKey] = Counter()
    months: Counter[MonthKey] = Counter()
    fees: Counter[tuple[str, int]] = Counter()
    for before, after in changes:
        counts[after.key] += 1
        amounts[after.key] += after.amount
        months[after.month] += 1
        fees.update(after.fees)
        if before is not None:
            counts[before.key] -= 1
            amounts[before.key] -= before.amount
            months[before.month] -= 1
            fees.subtract(before.fees)
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    kinds = [
        {**asdict(key), "disputes": counts[key], "amount": amounts[key]}
        for key in sorted(set(counts) | set(amounts))
        if counts[key] or amounts[key]
    ]
    if kinds:
        connection.execute(_upsert(dialect, DisputeTally.__tablename__), kinds)
    opened = [{**asdict(key), "disputes": n} for key, n in sorted(months.items()) if n]
    if opened:
        connection.execute(_upsert(dialect, MonthTally.__tablename__), opened)
    charged = [
        {"currency": currency, "shard": shard, "amount": delta}
        for (currency, shard), delta in sorted(fees.items())
        if delta
    ]
    if charged:
        connection.execute(_upsert(dialect, FeeTally.__tablename__), charged)


@cache
def _upsert(dialect: str, table_name: str) -> Insert:
    """``INSERT … ON CONFLICT (key) DO UPDATE SET n = n + excluded.n``, built once per table:
    the same statement object each time lets SQLAlchemy reuse its compiled form."""
    table = Base.metadata.tables[table_name]
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    key = [column.name for column in table.primary_key.columns]
    measures = [column.name for column in table.columns if column.name not in key]
    upsert: Insert = insert.on_conflict_do_update(
        index_elements=key,
        set_={name: table.c[name] + insert.excluded[name] for name in measures},
    )
    return upsert


_REBUILD_SQL = {
    "sqlite": {
        "disputes": (
            "INSERT INTO dispute_tallies "
            "(provider, reason, status, currency, shard, disputes, amount) "
            "SELECT provider, reason, status, upper(currency), id % :shards, count(*), "
            "sum(CAST(round(CAST(amount AS NUMERIC) * 1000) AS INTEGER)) "
            "FROM disputes GROUP BY 1, 2, 3, 4, 5"
        ),
        "months": (
            "INSERT INTO month_tallies (month, status, shard, disputes) "
            "SELECT strftime('%Y-%m', coalesce(created_at, first_seen_at)), status, "
            "id % :shards, count(*) FROM disputes GROUP BY 1, 2, 3"
        ),
        "fees": (
            "INSERT INTO fee_tallies (currency, shard, amount) "
            "SELECT upper(json_extract(fee.value, '$.currency')), disputes.id % :shards, "
            "sum(CAST(round(CAST(json_extract(fee.value, '$.amount') AS NUMERIC) "
            "* 1000) AS INTEGER)) "
            "FROM disputes, json_each(disputes.fees) AS fee "
            "WHERE json_type(disputes.fees) = 'array' GROUP BY 1, 2"
        ),
    },
    "postgresql": {
        "disputes": (
            "INSERT INTO dispute_tallies "
            "(provider, reason, status, currency, shard, disputes, amount) "
            "SELECT provider, reason, status, upper(currency), id % :shards, count(*), "
            "sum(CAST(round(CAST(amount AS NUMERIC) * 1000) AS BIGINT)) "
            "FROM disputes GROUP BY 1, 2, 3, 4, 5"
        ),
        "months": (
            "INSERT INTO month_tallies (month, status, shard, disputes) "
            "SELECT to_char(coalesce(created_at, first_seen_at), 'YYYY-MM'), status, "
            "id % :shards, count(*) FROM disputes GROUP BY 1, 2, 3"
        ),
        "fees": (
            "INSERT INTO fee_tallies (currency, shard, amount) "
            "SELECT upper(fee ->> 'currency'), disputes.id % :shards, "
            "sum(CAST(round(CAST(fee ->> 'amount' AS NUMERIC) * 1000) AS BIGINT)) "
            "FROM disputes, json_array_elements(disputes.fees) AS fee "
            "WHERE json_typeof(disputes.fees) = 'array' GROUP BY 1, 2"
        ),
    },
}


def rebuild(session: Session) -> None:
    """Recompute every tally from the disputes (one pass over the table; not for a request)."""
    statements = _REBUILD_SQL[session.get_bind().dialect.name]
    for table in (DisputeTally, MonthTally, FeeTally):
        session.execute(delete(table))
    for statement in statements.values():
        session.execute(text(statement), {"shards": SHARDS})
