"""Dispute statistics as SQL aggregates over the running tallies: one GROUP BY per figure,
never a loop over rows, and never a scan of the disputes.

Amounts are stored as exact decimal text. Summing them as SQL numbers would be exact on
PostgreSQL (numeric) but not on SQLite (REAL), so every amount is summed as an integer count of
thousandths (``round(amount * 1000)``): exact on both for any amount below 9·10^12, and fine
enough for every ISO 4217 currency (none has more than three decimals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Numeric, case, cast, func, select
from sqlalchemy.orm import Session

from engine.db.dialect import is_postgresql
from engine.db.models import DisputeTally, FeeTally, MonthTally
from engine.disputes.model import Status

_SCALE = 1000
OPEN_STATUSES = tuple(status.value for status in Status if not status.is_final)
LOST_STATUSES = (Status.LOST.value, Status.ACCEPTED.value, Status.EXPIRED.value)
"""Final statuses in which the money stays with the customer."""


@dataclass
class MoneyTotals:
    at_risk: Decimal = Decimal("0.00")
    """Disputed and not decided yet (every open status)."""
    won: Decimal = Decimal("0.00")
    lost: Decimal = Decimal("0.00")
    """Lost, accepted or expired."""
    fees: Decimal = Decimal("0.00")
    """Processor dispute fees, from each dispute's ``fees`` list, in the fee's own currency."""

    @property
    def net_recovery(self) -> Decimal:
        return self.won - self.fees


@dataclass(frozen=True)
class Share:
    key: str
    count: int
    won: int
    lost: int

    @property
    def win_rate(self) -> float | None:
        return _rate(self.won, self.lost)


@dataclass
class DisputeStats:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_reason: list[Share] = field(default_factory=list)
    by_provider: list[Share] = field(default_factory=list)
    by_month: list[Share] = field(default_factory=list)
    """Keyed ``YYYY-MM`` by the month the dispute was opened, oldest first."""
    won: int = 0
    lost: int = 0
    amounts: dict[str, MoneyTotals] = field(default_factory=dict)

    @property
    def win_rate(self) -> float | None:
        return _rate(self.won, self.lost)


def _rate(won: int, lost: int) -> float | None:
    """Won among decided (won or lost); ``None`` before anything is decided."""
    return round(won / (won + lost), 4) if won + lost else None


def exact_sum_term(amount: Any) -> ColumnElement[Any]:
    return cast(func.round(cast(amount, Numeric) * _SCALE), BigInteger)


def from_exact_sum(total: Any) -> Decimal:
    """Back to major units, with two decimals unless the sum needs the third."""
    exact = Decimal(int(total or 0)) / _SCALE
    cents = exact.quantize(Decimal("0.01"))
    return cents if cents == exact else exact.quantize(Decimal("0.001"))


def month_of(session: Session, moment: Any) -> ColumnElement[str]:
    """``YYYY-MM`` of a timestamp column, in the database's own dialect."""
    if is_postgresql(session):
        return func.to_char(moment, "YYYY-MM")
    return func.strftime("%Y-%m", moment)


def _shares(session: Session, key: Any, table: Any = DisputeTally) -> list[Share]:
    count = func.sum(table.disputes)
    won = func.sum(case((table.status == Status.WON.value, table.disputes), else_=0))
    lost = func.sum(case((table.status.in_(LOST_STATUSES), table.disputes), else_=0))
    statement = select(key, count, won, lost).group_by(key).having(count > 0).order_by(key)
    rows: list[tuple[Any, Any, Any, Any]] = list(session.execute(statement).tuples())
    return [Share(str(k), int(n), int(w or 0), int(lo or 0)) for k, n, w, lo in rows]


def compute_stats(session: Session) -> DisputeStats:
    """Every figure from the running tallies (:mod:`engine.stats.tallies`): a GROUP BY over a
    few hundred rows, whatever the number of disputes."""
    stats = DisputeStats()
    count = func.sum(DisputeTally.disputes)
    for status, total in session.execute(
        select(DisputeTally.status, count).group_by(DisputeTally.status).having(count > 0)
    ).tuples():
        stats.by_status[status] = int(total)
    stats.total = sum(stats.by_status.values())
    stats.won = stats.by_status.get(Status.WON.value, 0)
    stats.lost = sum(stats.by_status.get(status, 0) for status in LOST_STATUSES)
    stats.by_reason = _shares(session, DisputeTally.reason)
    stats.by_provider = _shares(session, DisputeTally.provider)
    stats.by_month = _shares(session, MonthTally.month, MonthTally)
    _add_amounts(session, stats)
    _add_fees(session, stats)
    return stats


def _add_amounts(session: Session, stats: DisputeStats) -> None:
    bucket = case(
        (DisputeTally.status.in_(OPEN_STATUSES), "at_risk"),
        (DisputeTally.status == Status.WON.value, "won"),
        (DisputeTally.status.in_(LOST_STATUSES), "lost"),
        else_="other",
    )
    rows = session.execute(
        select(DisputeTally.currency, bucket, func.sum(DisputeTally.amount))
        .group_by(DisputeTally.currency, bucket)
        .having(func.sum(DisputeTally.disputes) > 0)
    )
    for currency, kind, total in rows.tuples():
        if kind == "other":
            continue
        totals = stats.amounts.setdefault(str(currency).upper(), MoneyTotals())
        setattr(totals, str(kind), from_exact_sum(total))


def _add_fees(session: Session, stats: DisputeStats) -> None:
    for currency, total in session.execute(
        select(FeeTally.currency, func.sum(FeeTally.amount)).group_by(FeeTally.currency)
    ).tuples():
        if total:
            stats.amounts.setdefault(str(currency), MoneyTotals()).fees = from_exact_sum(total)
