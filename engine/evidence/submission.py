"""Handing an evidence version to the processor — exactly once.

The submission row is written (with its idempotency key) *before* the processor is called, and
the key is derived from the dispute and the evidence version only. A crash anywhere after that
leaves a ``pending`` row; the retry finds it and sends the same key again, so the processor
replays its earlier answer instead of taking a second submission.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.models import (
    Dispute,
    EventSource,
    EvidenceState,
    EvidenceVersion,
    Submission,
    SubmissionState,
)
from engine.db.records import read_state
from engine.disputes.model import DisputeEvent
from engine.errors import DisputeEngineError, ProviderRejected, ProviderUnavailable
from engine.evidence.model import EvidencePacket
from engine.plugins.provider import SubmissionRequest
from engine.runtime import Runtime

log = logging.getLogger("disputes.submission")


class SubmissionRefused(DisputeEngineError):
    """The engine will not submit: ``reason`` says exactly why (already submitted, past due,
    no evidence API…)."""


@dataclass(frozen=True)
class SubmissionOutcome:
    state: SubmissionState
    message: str


def idempotency_key(provider: str, dispute_id: str, version: int) -> str:
    key = f"disputes:{provider}:{dispute_id}:v{version}"
    if len(key) > 200:  # processors cap keys (Stripe: 255); leave room for per-call suffixes
        raise ValueError(f"dispute id too long for an idempotency key: {dispute_id!r}")
    return key


def submission_blocker(session: Session, dispute: Dispute, version: int) -> str | None:
    """Why ``version`` of ``dispute`` must not be sent now; ``None`` when it may."""
    done = session.scalars(
        select(Submission).where(
            Submission.dispute_pk == dispute.id, Submission.state == SubmissionState.SUCCEEDED
        )
    ).first()
    if done is not None:
        return f"evidence was already submitted (version {done.evidence_version})"
    other = session.scalars(
        select(Submission).where(
            Submission.dispute_pk == dispute.id,
            Submission.state == SubmissionState.PENDING,
            Submission.evidence_version != version,
        )
    ).first()
    if other is not None:
        return (
            f"version {other.evidence_version} is being submitted and may already have "
            "reached the processor"
        )
    return None


def submit_version(
    runtime: Runtime, dispute_pk: int, version: int, packet: EvidencePacket
) -> SubmissionOutcome:
    """Submit evidence ``version`` of a dispute through its provider's API.

    Raises :class:`SubmissionRefused` when the engine's records or the processor's view forbid
    it, and :class:`engine.errors.ProviderUnavailable` when the processor could not answer (the
    submission stays ``pending``; call again to retry with the same idempotency key). A
    processor's refusal is recorded and returned as ``rejected``, never retried.
    """
    with runtime.database.transaction() as session:
        dispute = session.scalars(
            select(Dispute).where(Dispute.id == dispute_pk).with_for_update()
        ).one()
        provider = runtime.provider(dispute.provider)
        state = read_state(dispute)
        key = idempotency_key(dispute.provider, dispute.dispute_id, version)
        blocker = submission_blocker(session, dispute, version)
        existing = session.scalars(
            select(Submission).where(Submission.idempotency_key == key)
        ).first()
        resuming = existing is not None and existing.state is SubmissionState.PENDING
        if blocker is None and not resuming:
            # The processor's own view counts too, but a pending row of ours means we may be
            # the ones who raised its submission count: resume it with the same key.
            blocker = provider.submission_blocker(state)
        if blocker is not None:
            raise SubmissionRefused(blocker)
        if existing is None:
            existing = Submission(
                dispute_pk=dispute.id,
                evidence_version=version,
                idempotency_key=key,
                state=SubmissionState.PENDING,
                attempts=0,
            )
            session.add(existing)
        elif existing.state is not SubmissionState.PENDING:
            raise SubmissionRefused(f"version {version} was already sent ({existing.state})")
        existing.attempts += 1
        request = SubmissionRequest(
            dispute=state, packet=packet, evidence_version=version, idempotency_key=key
        )
    try:
        receipt = provider.submit_evidence(request)
    except ProviderRejected as error:
        _finish(runtime, dispute_pk, version, key, SubmissionState.REJECTED, str(error), None)
        log.warning("%s %s: evidence refused: %s", state.provider, state.dispute_id, error)
        return SubmissionOutcome(SubmissionState.REJECTED, str(error))
    except ProviderUnavailable as error:
        with runtime.database.transaction() as session:
            row = session.scalars(select(Submission).where(Submission.idempotency_key == key)).one()
            row.error = str(error)
        raise
    _finish(
        runtime, dispute_pk, version, key, SubmissionState.SUCCEEDED, None, dict(receipt.response)
    )
    return SubmissionOutcome(SubmissionState.SUCCEEDED, "evidence submitted")


def _finish(
    runtime: Runtime,
    dispute_pk: int,
    version: int,
    key: str,
    state: SubmissionState,
    error: str | None,
    response: dict[str, object] | None,
) -> None:
    now = utcnow()
    evidence_state = (
        EvidenceState.SUBMITTED if state is SubmissionState.SUCCEEDED else EvidenceState.REJECTED
    )
    with runtime.database.transaction() as session:
        submission = session.scalars(
            select(Submission).where(Submission.idempotency_key == key)
        ).one()
        submission.state, submission.error, submission.finished_at = state, error, now
        submission.response = response
        evidence = session.scalars(
            select(EvidenceVersion).where(
                EvidenceVersion.dispute_pk == dispute_pk, EvidenceVersion.version == version
            )
        ).first()
        if evidence is not None:
            evidence.state = evidence_state
            evidence.error = error
            if state is SubmissionState.SUCCEEDED:
                evidence.submitted_at = now
        session.get_one(Dispute, dispute_pk).evidence_state = evidence_state


def record_manual_submission(runtime: Runtime, dispute_pk: int, version: int, note: str) -> None:
    """A person handed ``version`` to the processor by hand (no evidence API)."""
    now = utcnow()
    with runtime.database.transaction() as session:
        dispute = session.scalars(
            select(Dispute).where(Dispute.id == dispute_pk).with_for_update()
        ).one()
        key = idempotency_key(dispute.provider, dispute.dispute_id, version)
        if session.scalars(select(Submission).where(Submission.idempotency_key == key)).first():
            raise SubmissionRefused(f"version {version} is already recorded as sent")
        session.add(
            Submission(
                dispute_pk=dispute.id,
                evidence_version=version,
                idempotency_key=key,
                state=SubmissionState.MANUAL,
                attempts=1,
                response={"note": note},
                finished_at=now,
            )
        )
        evidence = session.scalars(
            select(EvidenceVersion).where(
                EvidenceVersion.dispute_pk == dispute_pk, EvidenceVersion.version == version
            )
        ).first()
        if evidence is not None:
            evidence.state = EvidenceState.SENT_MANUALLY
            evidence.submitted_at = now
        dispute.evidence_state = EvidenceState.SENT_MANUALLY
        runtime.book.apply(
            session,
            DisputeEvent(
                provider=dispute.provider,
                event_id=f"engine:evidence_sent:{dispute.dispute_id}:v{version}",
                dispute_id=dispute.dispute_id,
                type="engine.evidence_sent",
                occurred_at=now,
                evidence_sent=True,
            ),
            source=EventSource.ENGINE,
        )
