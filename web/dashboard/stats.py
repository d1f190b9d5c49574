"""The numbers at the top of the dashboard, computed exactly (Decimal, per currency)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Dispute
from engine.model import Status

DUE_WINDOW = timedelta(hours=72)
CHART_MONTHS = 12


@dataclass(frozen=True)
class MonthOutcomes:
    month: str
    """``2026-11``"""
    won: int
    lost: int
    other: int

    @property
    def total(self) -> int:
        return self.won + self.lost + self.other


@dataclass(frozen=True)
class DueSoon:
    provider: str
    dispute_id: str
    amount: str
    currency: str
    respond_by: datetime


@dataclass
class Stats:
    total: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    win_rate: Decimal | None = None
    """Won among disputes decided won or lost, as a percentage; ``None`` before any."""
    at_risk: dict[str, Decimal] = field(default_factory=dict)
    recovered: dict[str, Decimal] = field(default_factory=dict)
    due_soon: int = 0
    due_list: list[DueSoon] = field(default_factory=list)
    """The most urgent first."""
    months: list[MonthOutcomes] = field(default_factory=list)


def compute(session: Session, now: datetime) -> Stats:
    rows = session.execute(
        select(
            Dispute.status,
            Dispute.amount,
            Dispute.currency,
            Dispute.respond_by,
            Dispute.last_event_at,
            Dispute.provider,
            Dispute.dispute_id,
        )
    ).all()
    statuses: Counter[str] = Counter()
    at_risk: dict[str, Decimal] = defaultdict(Decimal)
    recovered: dict[str, Decimal] = defaultdict(Decimal)
    months: dict[str, Counter[str]] = defaultdict(Counter)
    due_list: list[DueSoon] = []
    final = {status.value for status in Status if status.is_final}
    for status, amount, currency, respond_by, last_event_at, provider, dispute_id in rows:
        statuses[status] += 1
        value = Decimal(amount)
        if status not in final:
            at_risk[currency] += value
        if status == Status.WON:
            recovered[currency] += value
        if (
            status == Status.NEEDS_RESPONSE
            and respond_by is not None
            and now <= respond_by <= now + DUE_WINDOW
        ):
            due_list.append(DueSoon(provider, dispute_id, amount, currency, respond_by))
        if status in final:
            bucket = "won" if status == Status.WON else "lost" if status == Status.LOST else "other"
            months[last_event_at.strftime("%Y-%m")][bucket] += 1
    decided = statuses[Status.WON] + statuses[Status.LOST]
    return Stats(
        total=len(rows),
        by_status=dict(sorted(statuses.items())),
        win_rate=(Decimal(statuses[Status.WON]) * 100 / decided).quantize(Decimal("0.1"))
        if decided
        else None,
        at_risk=dict(sorted(at_risk.items())),
        recovered=dict(sorted(recovered.items())),
        due_soon=len(due_list),
        due_list=sorted(due_list, key=lambda due: due.respond_by),
        months=[
            MonthOutcomes(month, counts["won"], counts["lost"], counts["other"])
            for month, counts in sorted(months.items())[-CHART_MONTHS:]
        ],
    )
