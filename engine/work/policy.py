"""When the engine queues evidence work on its own: a dispute that needs a response and has
had none. Kept in one place so webhooks and sync decide alike."""

from __future__ import annotations

from sqlalchemy.orm import Session

from engine.db.models import Dispute, EvidenceState, WorkState
from engine.disputes.model import DisputeState, Status
from engine.work.queue import WorkReason, queue_work

EVIDENCE_WANTED = frozenset({Status.NEEDS_RESPONSE, Status.OPEN})
"""Statuses for which the first evidence packet is prepared. ``open`` counts: the provider does
not say whether we must act (Paystand's ``active``, "awaiting resolution", is the only open
status of its webhook vocabulary), and a packet ready in time costs nothing. Whether it is *sent*
is still decided at submission, by the provider's ``submission_blocker``."""


def needs_evidence_work(row: Dispute, state: DisputeState) -> bool:
    return (
        state.status in EVIDENCE_WANTED
        and row.evidence_state == EvidenceState.NONE
        and row.work_state == WorkState.IDLE
        and not state.submission_count
    )


def queue_response_if_needed(session: Session, row: Dispute, state: DisputeState) -> bool:
    """Queue the first response for a dispute that needs one. True when queued now."""
    if not needs_evidence_work(row, state):
        return False
    return queue_work(session, row, WorkReason.RESPOND)
