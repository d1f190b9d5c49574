"""What an operator watches, read from the database at the moment it is asked (``GET /metrics``).

Every process answers from the same rows, so any of several ``serve`` processes behind a load
balancer gives the same figures — no counter lives in one process's memory. Each figure is an
aggregate that costs the same at a million disputes as at a hundred:

* disputes by provider and status: the running tallies (:mod:`engine.stats.tallies`);
* evidence states: one index-only count over ``ix_disputes_held``, whose leading column is
  ``evidence_state`` (the index, not the rows, is read);
* webhook deliveries by outcome over the last hour: a range on ``received_at``'s index, so the
  cost follows the traffic of an hour, not the history (applied deliveries are kept forever);
* the work queue: ranges on ``ix_disputes_work (work_state, work_not_before)`` — the rows in
  the queue, never the idle ones;
* the notification backlog: the pending and failed rows, by the index on ``state``;
* the webhook inbox: the deliveries answered but not applied yet, by its partial index.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.db.models import (
    Dispute,
    DisputeTally,
    EvidenceState,
    NotificationRow,
    NotificationState,
    WebhookDelivery,
    WebhookOutcome,
    WorkState,
)
from engine.disputes.model import Status
from engine.intake.inbox import WAITING

DELIVERY_WINDOW = timedelta(hours=1)
WAITING_WORK = (WorkState.QUEUED, WorkState.CLAIMED)
BACKLOG_STATES = (NotificationState.PENDING, NotificationState.FAILED)
DISPUTE_EVIDENCE_STATES = tuple(state for state in EvidenceState if state != "superseded")
"""``superseded`` marks versions only, never a dispute."""


@dataclass
class Gauges:
    disputes: dict[tuple[str, str], int] = field(default_factory=dict)
    """``(provider, status)`` → disputes; every status of each provider seen, zeros too."""
    evidence: dict[str, int] = field(default_factory=dict)
    """Evidence state of each dispute → disputes; every state, zeros too."""
    deliveries: dict[tuple[str, str], int] = field(default_factory=dict)
    """``(provider, outcome)`` → webhook deliveries received in the last hour."""
    work: dict[str, int] = field(default_factory=dict)
    """``queued`` and ``claimed`` → disputes with evidence work in that state."""
    work_due: int = 0
    """Work a worker may claim now: queued and due, or claimed under an expired lease."""
    oldest_due_age: float = 0.0
    """Seconds since the longest-waiting due work became due (0 when nothing is due)."""
    notifications: dict[tuple[str, str], int] = field(default_factory=dict)
    """``(notifier, state)`` → outbox rows ``pending`` (not sent yet) or ``failed`` (given up)."""
    oldest_pending_notification_age: float = 0.0
    """Seconds since the oldest pending announcement was written (0 when none waits)."""
    inbox: int = 0
    """Webhook deliveries answered and stored, their events not applied yet."""
    oldest_inbox_age: float = 0.0
    """Seconds since the oldest of them was received: how far the disputes lag the answers."""


def read_gauges(session: Session, now: datetime, providers: Iterable[str] = ()) -> Gauges:
    """Every figure at ``now``. ``providers`` (the configured ones) get zero series for the
    outcomes and statuses they have none of, so a dashboard's series never vanish."""
    gauges = Gauges()
    known = set(providers)
    _read_disputes(session, gauges, known)
    _read_evidence(session, gauges)
    _read_deliveries(session, gauges, known, now)
    _read_work(session, gauges, now)
    _read_notifications(session, gauges, now)
    _read_inbox(session, gauges, now)
    return gauges


def _read_disputes(session: Session, gauges: Gauges, providers: set[str]) -> None:
    count = func.sum(DisputeTally.disputes)
    rows = session.execute(
        select(DisputeTally.provider, DisputeTally.status, count)
        .group_by(DisputeTally.provider, DisputeTally.status)
        .having(count > 0)
    )
    found = {(str(provider), str(status)): int(n) for provider, status, n in rows}
    for provider in sorted(providers | {provider for provider, _ in found}):
        for status in Status:
            gauges.disputes[(provider, status.value)] = 0
    gauges.disputes.update(found)


def _read_evidence(session: Session, gauges: Gauges) -> None:
    gauges.evidence = {state.value: 0 for state in DISPUTE_EVIDENCE_STATES}
    rows = session.execute(
        select(Dispute.evidence_state, func.count()).group_by(Dispute.evidence_state)
    )
    gauges.evidence.update({str(state): int(n) for state, n in rows})


def _read_deliveries(session: Session, gauges: Gauges, providers: set[str], now: datetime) -> None:
    rows = session.execute(
        select(WebhookDelivery.provider, WebhookDelivery.outcome, func.count())
        .where(WebhookDelivery.received_at > now - DELIVERY_WINDOW)
        .group_by(WebhookDelivery.provider, WebhookDelivery.outcome)
    )
    found = {(str(provider), str(outcome)): int(n) for provider, outcome, n in rows}
    for provider in sorted(providers | {provider for provider, _ in found}):
        for outcome in WebhookOutcome:
            gauges.deliveries[(provider, outcome.value)] = 0
    gauges.deliveries.update(found)


def _read_work(session: Session, gauges: Gauges, now: datetime) -> None:
    gauges.work = {state.value: 0 for state in WAITING_WORK}
    waiting = Dispute.work_state.in_(WAITING_WORK)
    rows = session.execute(
        select(Dispute.work_state, func.count()).where(waiting).group_by(Dispute.work_state)
    )
    gauges.work.update({str(state): int(n) for state, n in rows})
    # The same test as the claim (engine.work.queue.claim_next): what a worker would take now.
    count, oldest = session.execute(
        select(func.count(), func.min(Dispute.work_not_before)).where(
            waiting, Dispute.work_not_before <= now
        )
    ).one()
    gauges.work_due = int(count)
    gauges.oldest_due_age = _age(now, oldest)


def _read_notifications(session: Session, gauges: Gauges, now: datetime) -> None:
    rows = session.execute(
        select(NotificationRow.notifier, NotificationRow.state, func.count())
        .where(NotificationRow.state.in_(BACKLOG_STATES))
        .group_by(NotificationRow.notifier, NotificationRow.state)
    )
    gauges.notifications = {(str(notifier), str(state)): int(n) for notifier, state, n in rows}
    oldest = session.scalar(
        select(func.min(NotificationRow.created_at)).where(
            NotificationRow.state == NotificationState.PENDING
        )
    )
    gauges.oldest_pending_notification_age = _age(now, oldest)


def _read_inbox(session: Session, gauges: Gauges, now: datetime) -> None:
    waiting, oldest = session.execute(
        select(func.count(), func.min(WebhookDelivery.received_at)).where(WAITING)
    ).one()
    gauges.inbox = int(waiting)
    gauges.oldest_inbox_age = _age(now, oldest)


def _age(now: datetime, since: datetime | None) -> float:
    if since is None:
        return 0.0
    if since.tzinfo is None:  # SQLite hands back naive UTC for some aggregates
        since = since.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - since).total_seconds())
