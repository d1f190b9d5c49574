"""What a person asks of a dispute's evidence: regenerate it, submit the version held for
review, record a packet sent by hand. The dashboard, the API and the CLI call these same
functions; they only turn the outcome into an HTTP status or an exit code.

Regenerating and submitting are queued as work on the dispute, so a running worker and a
person never build or submit at once (the claim decides); a person at the command line then
does the queued work at once (:func:`regenerate_now`) instead of waiting for a worker.
"""

from __future__ import annotations

from engine.db.models import EvidenceState
from engine.errors import DisputeEngineError
from engine.evidence.book import SubmissionRefused
from engine.evidence.dossier import read_dossier
from engine.evidence.pipeline import RespondOutcome
from engine.runtime import Runtime
from engine.work.queue import WorkReason, queue_work
from engine.work.worker import Worker, WorkFailed


class RequestRefused(DisputeEngineError):
    """The request does not apply to this dispute; the message says why."""


def regenerate(runtime: Runtime, provider: str, dispute_id: str) -> int:
    """Queue a new evidence version (sent if the processor still takes one); the dispute's
    primary key."""
    with runtime.database.transaction() as session:
        dispute = runtime.evidence.find(session, provider, dispute_id, lock=True)
        runtime.provider(provider)  # NotConfigured names what to set
        queue_work(session, dispute, WorkReason.REGENERATE)
        return dispute.id


def submit_held(runtime: Runtime, provider: str, dispute_id: str) -> int:
    """Queue the submission of the version held for review; its number. The worker sends that
    very version (the one the person reviewed), not a new build."""
    with runtime.database.transaction() as session:
        dispute = runtime.evidence.find(session, provider, dispute_id, lock=True)
        processor = runtime.provider(provider)
        if not processor.capabilities.supports_evidence_api:
            raise RequestRefused(processor.no_evidence_api())
        dossier = read_dossier(session, dispute)
        if dossier.held_version is not None:
            raise RequestRefused(
                f"the processor already holds evidence version {dossier.held_version}; "
                "it takes one submission per dispute"
            )
        latest = dossier.latest
        if latest is None or latest.state is not EvidenceState.READY:
            raise RequestRefused("no evidence version is held for review: regenerate it first")
        queue_work(session, dispute, WorkReason.SUBMIT)
        return latest.version


def can_mark_sent(runtime: Runtime, provider: str) -> bool:
    """Whether evidence for ``provider`` goes to the processor by hand (no evidence API)."""
    provider_class = runtime.plugins.providers.get(provider)
    return provider_class is not None and not provider_class.capabilities.supports_evidence_api


def mark_sent(runtime: Runtime, provider: str, dispute_id: str, note: str) -> int:
    """Record that the latest evidence version went to the processor by hand; its number."""
    if not can_mark_sent(runtime, provider):
        raise RequestRefused(
            f"{provider} takes evidence through its API: the engine submits it, not a person"
        )
    with runtime.database.reading() as session:
        dispute = runtime.evidence.find(session, provider, dispute_id)
        latest = read_dossier(session, dispute).latest
        pk = dispute.id
    if latest is None:
        raise RequestRefused("there is no evidence packet yet: regenerate it first")
    try:
        runtime.evidence.record_manual(pk, latest.version, note or "sent by hand")
    except SubmissionRefused as error:
        raise RequestRefused(str(error)) from None
    return latest.version


class RequestFailed(DisputeEngineError):
    """The work a person asked for ran and failed; the message says why."""


def regenerate_now(runtime: Runtime, provider: str, dispute_id: str) -> RespondOutcome | None:
    """:func:`regenerate`, then do that work at once, as a worker would (``disputes regen``):
    its outcome, or ``None`` when a running worker already holds the dispute and will do it.
    Raises :class:`RequestFailed` when the work raised (it is retried later if the processor
    was only unavailable)."""
    dispute_pk = regenerate(runtime, provider, dispute_id)
    outcome = Worker(runtime).process_dispute(dispute_pk)
    if isinstance(outcome, WorkFailed):
        raise RequestFailed(str(outcome))
    if outcome is not None and not isinstance(outcome, RespondOutcome):
        raise TypeError(f"the evidence worker answered {outcome!r}")
    return outcome
