"""In ``complete`` mode, a held version goes out N hours before ``respond_by``.

No answer is a certain loss; a held packet at least has a chance. The worker calls
:func:`queue_deadline_submissions` on every round, so it must stay one indexed query
(``ix_disputes_held`` on ``evidence_state, respond_by``) that finds nothing most of the time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from engine.db.models import Dispute, EvidenceState, WorkState
from engine.disputes.model import Status
from engine.evidence.submit_policy.modes import AutoSubmit
from engine.runtime import Runtime
from engine.work.queue import WorkReason, queue_work

BATCH = 50


def queue_deadline_submissions(runtime: Runtime, now: datetime) -> int:
    """Queue the held versions whose deadline is within the window; how many were queued.

    A dispute whose last work was already a deadline submission is not queued again: if that
    attempt was refused, repeating it every round would only hammer the processor.
    """
    settings = runtime.settings
    hours = settings.submit_before_deadline_hours
    if settings.auto_submit is not AutoSubmit.COMPLETE or hours == 0:
        return 0
    statement = (
        select(Dispute)
        .where(
            Dispute.evidence_state == EvidenceState.READY,
            Dispute.respond_by > now,
            Dispute.respond_by <= now + timedelta(hours=hours),
            Dispute.status == Status.NEEDS_RESPONSE,
            Dispute.work_state == WorkState.IDLE,
            or_(Dispute.work_reason.is_(None), Dispute.work_reason != WorkReason.DEADLINE),
        )
        .order_by(Dispute.respond_by)
        .limit(BATCH)
        .with_for_update(skip_locked=True)
    )
    with runtime.database.transaction() as session:
        due = list(session.scalars(statement))
        return sum(queue_work(session, dispute, WorkReason.DEADLINE) for dispute in due)
