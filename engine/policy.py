"""When the engine queues evidence work on its own: a dispute that needs a response and has
had none. Kept in one place so webhooks and sync decide alike."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.db.models import Dispute, EvidenceState, WorkState
from engine.model import DisputeState, Status
from engine.queue import WorkReason, queue_work


def needs_evidence_work(row: Dispute, state: DisputeState) -> bool:
    return (
        state.status is Status.NEEDS_RESPONSE
        and row.evidence_state == EvidenceState.NONE
        and row.work_state == WorkState.IDLE
        and not state.submission_count
    )


def queue_response_if_needed(session: Session, row: Dispute, state: DisputeState) -> bool:
    """Queue the first response for a dispute that needs one. True when queued now."""
    if not needs_evidence_work(row, state):
        return False
    return queue_work(session, row, WorkReason.RESPOND)
