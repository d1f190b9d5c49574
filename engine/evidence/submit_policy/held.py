"""The submission the processor holds, if any: after it, no other version can be sent."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Submission
from engine.evidence.dossier import HELD_STATES


def held_submission(session: Session, dispute_pk: int) -> Submission | None:
    """The latest submission the processor accepted (or a person sent by hand)."""
    return session.scalars(
        select(Submission)
        .where(Submission.dispute_pk == dispute_pk, Submission.state.in_(HELD_STATES))
        .order_by(Submission.evidence_version.desc())
        .limit(1)
    ).first()
