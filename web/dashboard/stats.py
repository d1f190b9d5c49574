"""The numbers at the top of the dashboard, computed exactly (Decimal, per currency)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine.db.models import Dispute, EvidenceState
from engine.disputes.model import Status
from engine.stats.aggregates import exact_sum_term, from_exact_sum, month_of

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
    """Every figure from SQL aggregates (GROUP BY in the database), never a loop over rows."""
    # A Result has .keys(), so dict() would take it for a mapping: list its rows first.
    statuses: dict[str, int] = dict(
        list(session.execute(select(Dispute.status, func.count()).group_by(Dispute.status)))
    )
    open_statuses = [status.value for status in Status if not status.is_final]
    final = [status.value for status in Status if status.is_final]
    at_risk: dict[str, Decimal] = {}
    recovered: dict[str, Decimal] = {}
    bucket = case((Dispute.status == Status.WON.value, "won"), else_="open")
    money = (
        select(Dispute.currency, bucket, func.sum(exact_sum_term(Dispute.amount)))
        .where(Dispute.status.in_([*open_statuses, Status.WON.value]))
        .group_by(Dispute.currency, bucket)
    )
    for currency, kind, total in session.execute(money).tuples():
        (recovered if kind == "won" else at_risk)[str(currency)] = from_exact_sum(total)
    due = session.execute(
        select(
            Dispute.provider,
            Dispute.dispute_id,
            Dispute.amount,
            Dispute.currency,
            Dispute.respond_by,
        )
        .where(
            Dispute.status == Status.NEEDS_RESPONSE.value,
            Dispute.respond_by >= now,
            Dispute.respond_by <= now + DUE_WINDOW,
        )
        .order_by(Dispute.respond_by)
    ).tuples()
    due_list = [DueSoon(p, d, a, c, r) for p, d, a, c, r in due if r is not None]
    month = month_of(session, Dispute.last_event_at)
    outcome = case(
        (Dispute.status == Status.WON.value, "won"),
        (Dispute.status == Status.LOST.value, "lost"),
        else_="other",
    )
    months: dict[str, dict[str, int]] = {}
    for name, kind, count in session.execute(
        select(month, outcome, func.count())
        .where(Dispute.status.in_(final))
        .group_by(month, outcome)
    ).tuples():
        months.setdefault(str(name), {})[str(kind)] = int(count)
    won, lost = statuses.get(Status.WON.value, 0), statuses.get(Status.LOST.value, 0)
    decided = won + lost
    return Stats(
        total=sum(statuses.values()),
        by_status=dict(sorted(statuses.items())),
        win_rate=(Decimal(won) * 100 / decided).quantize(Decimal("0.1")) if decided else None,
        at_risk=dict(sorted(at_risk.items())),
        recovered=dict(sorted(recovered.items())),
        due_soon=len(due_list),
        due_list=due_list,
        months=[
            MonthOutcomes(name, counts.get("won", 0), counts.get("lost", 0), counts.get("other", 0))
            for name, counts in sorted(months.items())[-CHART_MONTHS:]
        ],
    )


@dataclass(frozen=True)
class ActionNeeded:
    """The cards at the top of the list: what a person must do, each one indexed COUNT."""

    review: int
    """Open disputes whose evidence is built and held for review."""
    manual: int
    """Open disputes whose packet waits to be sent by hand (no evidence API)."""
    due_soon: int
    """Disputes needing a response due within :data:`DUE_WINDOW`."""

    @property
    def any(self) -> bool:
        return bool(self.review or self.manual or self.due_soon)


def action_needed(session: Session, now: datetime) -> ActionNeeded:
    open_statuses = [status.value for status in Status if not status.is_final]

    def held(state: EvidenceState) -> int:
        # ix_disputes_held (evidence_state, respond_by): a seek on the state
        query = select(func.count()).where(
            Dispute.evidence_state == state.value, Dispute.status.in_(open_statuses)
        )
        return int(session.scalar(query) or 0)

    due = select(func.count()).where(  # ix_disputes_status_sort: a seek on the status
        Dispute.status == Status.NEEDS_RESPONSE.value,
        Dispute.respond_by >= now,
        Dispute.respond_by <= now + DUE_WINDOW,
    )
    return ActionNeeded(
        review=held(EvidenceState.READY),
        manual=held(EvidenceState.MANUAL_REQUIRED),
        due_soon=int(session.scalar(due) or 0),
    )
