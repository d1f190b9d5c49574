"""The numbers at the top of the dashboard, computed exactly (Decimal, per currency)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.db.models import Dispute, EvidenceState
from engine.disputes.model import Status
from engine.stats import compute_stats

DUE_WINDOW = timedelta(hours=72)
CHART_MONTHS = 12


@dataclass(frozen=True)
class MonthOutcomes:
    month: str
    """``2026-11``: the disputes opened that month, by what became of them."""
    won: int
    lost: int
    """Lost, accepted or expired: the money stayed with the customer."""
    other: int
    """Still open, or closed another way."""

    @property
    def total(self) -> int:
        return self.won + self.lost + self.other


@dataclass(frozen=True)
class ReasonRate:
    reason: str
    won: int
    lost: int
    """Lost, accepted or expired."""

    @property
    def decided(self) -> int:
        return self.won + self.lost

    @property
    def percent(self) -> int:
        return round(self.won * 100 / self.decided) if self.decided else 0


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
    reasons: list[ReasonRate] = field(default_factory=list)
    """Win rate per reason, among the decided disputes of that reason (most decided first)."""


def compute(session: Session, now: datetime) -> Stats:
    """Every figure from the running tallies (:func:`engine.stats.compute_stats`) and one
    indexed query for what is due soon — never a scan of the disputes."""
    totals = compute_stats(session)
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
    win_rate = totals.win_rate
    return Stats(
        total=totals.total,
        by_status=dict(sorted(totals.by_status.items())),
        win_rate=(Decimal(str(win_rate)) * 100).quantize(Decimal("0.1"))
        if win_rate is not None
        else None,
        at_risk={c: m.at_risk for c, m in sorted(totals.amounts.items()) if m.at_risk},
        recovered={c: m.won for c, m in sorted(totals.amounts.items()) if m.won},
        due_soon=len(due_list),
        due_list=due_list,
        months=[
            MonthOutcomes(share.key, share.won, share.lost, share.count - share.won - share.lost)
            for share in totals.by_month[-CHART_MONTHS:]
        ],
        reasons=sorted(
            (
                ReasonRate(share.key, share.won, share.lost)
                for share in totals.by_reason
                if share.won + share.lost
            ),
            key=lambda rate: (-rate.decided, rate.reason),
        ),
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
