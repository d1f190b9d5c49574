"""The evidence work queue: state on the dispute row, claimed by a worker under a lease.

On PostgreSQL a claim is ``SELECT … FOR UPDATE SKIP LOCKED``, so workers never wait on each
other's rows; on SQLite the write lock admits one claimer at a time. A claim whose worker died
is taken over once its lease has expired.

``work_not_before`` is the one moment that says when a row is next due, whatever its state: when
queued work may start (the time it was queued, or later for a retry), and for claimed work the
end of the lease, when another worker may take it over. Claiming is then a seek on
``ix_disputes_work (work_state, work_not_before)`` — two short ranges — and an idle worker over a
million disputes reads nothing (an ``OR`` over two columns made it scan them all).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.models import Dispute, WorkState
from engine.db.models import WorkReason as WorkReason  # where the queue's readers look for it

DEFAULT_LEASE = timedelta(minutes=10)


PERSON_REASONS = frozenset({WorkReason.REGENERATE, WorkReason.SUBMIT})
"""Work a person asked for: it takes the place of work the engine queued on its own."""
OVERRIDING_REASONS = PERSON_REASONS | {WorkReason.ACCEPT}
"""Work that takes the place of a plain respond already queued."""


def queue_work(
    session: Session, dispute: Dispute, reason: WorkReason, *, not_before: datetime | None = None
) -> bool:
    """Queue work on ``dispute`` (inside the caller's transaction). A dispute already queued
    keeps its place; a person's request (regenerate, submit) overrides a plain respond.
    Returns True if queued."""
    if dispute.work_state == WorkState.QUEUED and reason not in OVERRIDING_REASONS:
        return False
    dispute.work_state = WorkState.QUEUED
    dispute.work_reason = reason
    dispute.work_not_before = not_before or utcnow()
    dispute.work_attempts = 0
    dispute.work_error = None
    return True


def claim_next(
    database: Database, worker_id: str, *, lease: timedelta = DEFAULT_LEASE
) -> tuple[int, str] | None:
    """Claim the next due dispute: ``(dispute pk, work reason)``, or ``None`` when idle."""
    return _claim(database, worker_id, lease, None)


def claim(
    database: Database, worker_id: str, dispute_pk: int, *, lease: timedelta = DEFAULT_LEASE
) -> str | None:
    """Claim the work queued on one dispute (a person waiting for it at the command line): its
    reason, or ``None`` when none is due or another worker holds it."""
    claimed = _claim(database, worker_id, lease, dispute_pk)
    return None if claimed is None else claimed[1]


def _claim(
    database: Database, worker_id: str, lease: timedelta, dispute_pk: int | None
) -> tuple[int, str] | None:
    now = utcnow()
    due = Dispute.work_state.in_([WorkState.QUEUED, WorkState.CLAIMED]) & (
        Dispute.work_not_before <= now
    )
    if dispute_pk is not None:
        due = due & (Dispute.id == dispute_pk)
    with database.transaction() as session:
        statement = select(Dispute).where(due).order_by(Dispute.work_not_before, Dispute.id)
        statement = statement.limit(1).with_for_update(skip_locked=True)
        dispute = session.scalars(statement).first()
        if dispute is None:
            return None
        dispute.work_state = WorkState.CLAIMED
        dispute.work_claimed_by = worker_id
        dispute.work_lease_until = dispute.work_not_before = now + lease
        dispute.work_attempts += 1
        return dispute.id, dispute.work_reason or WorkReason.RESPOND


def complete(session: Session, dispute: Dispute, worker_id: str) -> bool:
    """Mark the claimed work done. False if the claim was lost (lease expired, taken over)."""
    return _release(dispute, worker_id, WorkState.IDLE, error=None)


def retry_later(
    session: Session, dispute: Dispute, worker_id: str, error: str, delay: timedelta
) -> bool:
    """Give the claimed work back to the queue after a transient failure."""
    if not _release(dispute, worker_id, WorkState.QUEUED, error=error):
        return False
    dispute.work_not_before = utcnow() + delay
    return True


def give_up(session: Session, dispute: Dispute, worker_id: str, error: str) -> bool:
    """Stop retrying: the error stays on the dispute for a person to see."""
    return _release(dispute, worker_id, WorkState.IDLE, error=error)


def _release(dispute: Dispute, worker_id: str, state: WorkState, *, error: str | None) -> bool:
    """End ``worker_id``'s claim on ``dispute``; False (and nothing changed) if it no longer
    holds it — a request queued meanwhile, or a take-over after the lease, stays in place."""
    if dispute.work_state != WorkState.CLAIMED or dispute.work_claimed_by != worker_id:
        return False
    dispute.work_state = state
    dispute.work_claimed_by = None
    dispute.work_lease_until = None
    dispute.work_error = error
    return True
