"""What a person can ask for from the dashboard or the API: regenerate evidence, submit the
version held for review, and record a packet sent by hand. Both views call these, so the rules
live in one place."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Dispute, EvidenceState, EvidenceVersion
from engine.errors import DisputeEngineError
from engine.evidence.submission import SubmissionRefused, record_manual_submission
from engine.evidence.submit_policy import held_submission
from engine.runtime import Runtime
from engine.work.queue import WorkReason, queue_work


class DisputeNotFound(DisputeEngineError):
    pass


class ActionRefused(DisputeEngineError):
    """The action does not apply to this dispute; the message says why."""


def _locked(session: Session, provider: str, dispute_id: str) -> Dispute:
    dispute = session.scalars(
        select(Dispute)
        .where(Dispute.provider == provider, Dispute.dispute_id == dispute_id)
        .with_for_update()
    ).first()
    if dispute is None:
        raise DisputeNotFound(f"no {provider} dispute {dispute_id}")
    return dispute


def regenerate(runtime: Runtime, provider: str, dispute_id: str) -> None:
    """Queue a new evidence version; the worker builds it (and resubmits if still allowed)."""
    with runtime.database.transaction() as session:
        queue_work(session, _locked(session, provider, dispute_id), WorkReason.REGENERATE)


def submit_held(runtime: Runtime, provider: str, dispute_id: str) -> int:
    """Queue the submission of the version held for review; its number. The worker sends that
    very version (the one the person reviewed), not a new build."""
    if can_mark_sent(runtime, provider):
        raise ActionRefused(f"{provider} has no evidence API: send the packet by hand")
    with runtime.database.transaction() as session:
        dispute = _locked(session, provider, dispute_id)
        sent = held_submission(session, dispute.id)
        if sent is not None:
            raise ActionRefused(
                f"the processor already holds evidence version {sent.evidence_version}; "
                "it takes one submission per dispute"
            )
        version = _held(session, dispute.id)
        if version is None:
            raise ActionRefused("no evidence version is held for review: regenerate it first")
        queue_work(session, dispute, WorkReason.SUBMIT)
    return version


def _held(session: Session, dispute_pk: int) -> int | None:
    latest = session.execute(
        select(EvidenceVersion.version, EvidenceVersion.state)
        .where(EvidenceVersion.dispute_pk == dispute_pk)
        .order_by(EvidenceVersion.version.desc())
        .limit(1)
    ).first()
    if latest is None or latest.state != EvidenceState.READY:
        return None
    return int(latest.version)


def can_mark_sent(runtime: Runtime, provider: str) -> bool:
    provider_class = runtime.plugins.providers.get(provider)
    return provider_class is not None and not provider_class.capabilities.supports_evidence_api


def mark_sent(runtime: Runtime, provider: str, dispute_id: str, note: str) -> int:
    """Record that the latest evidence version went to the processor by hand; its number."""
    if not can_mark_sent(runtime, provider):
        raise ActionRefused(
            f"{provider} takes evidence through its API: the engine submits it, not a person"
        )
    with runtime.database.reading() as session:
        dispute = session.scalars(
            select(Dispute).where(Dispute.provider == provider, Dispute.dispute_id == dispute_id)
        ).first()
        if dispute is None:
            raise DisputeNotFound(f"no {provider} dispute {dispute_id}")
        version = session.scalar(
            select(EvidenceVersion.version)
            .where(EvidenceVersion.dispute_pk == dispute.id)
            .order_by(EvidenceVersion.version.desc())
            .limit(1)
        )
        pk = dispute.id
    if version is None:
        raise ActionRefused("there is no evidence packet yet: regenerate it first")
    try:
        record_manual_submission(runtime, pk, version, note or "sent by hand")
    except SubmissionRefused as error:
        raise ActionRefused(str(error)) from None
    return version
