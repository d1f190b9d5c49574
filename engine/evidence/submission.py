"""Handing an evidence version to the processor — exactly once.

The submission is recorded as pending (with its idempotency key) by the evidence book *before*
the processor is called, and the key is derived from the dispute and the evidence version only.
A crash anywhere after that leaves the pending record; the retry finds it and sends the same key
again, so the processor replays its earlier answer instead of taking a second submission.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from engine.db.models import SubmissionState
from engine.errors import ProviderRejected, ProviderUnavailable
from engine.evidence.book import EvidenceBook, SubmissionRefused
from engine.evidence.model import EvidencePacket
from engine.plugins.provider import DisputeProvider, SubmissionRequest

log = logging.getLogger("disputes.submission")

__all__ = ["SubmissionOutcome", "SubmissionRefused", "submit_version"]


@dataclass(frozen=True)
class SubmissionOutcome:
    state: SubmissionState
    message: str


def submit_version(
    book: EvidenceBook,
    provider: DisputeProvider,
    dispute_pk: int,
    version: int,
    packet: EvidencePacket,
) -> SubmissionOutcome:
    """Submit evidence ``version`` of a dispute through its provider's API.

    Raises :class:`SubmissionRefused` when the gate refuses, and
    :class:`engine.errors.ProviderUnavailable` when the processor could not answer (the
    submission stays pending; call again to retry with the same idempotency key). A processor's
    refusal is recorded and returned as ``rejected``, never retried.
    """
    opened = book.open_submission(dispute_pk, version, provider)
    request = SubmissionRequest(
        dispute=opened.state, packet=packet, evidence_version=version, idempotency_key=opened.key
    )
    try:
        receipt = provider.submit_evidence(request)
    except ProviderRejected as error:
        book.finish_submission(dispute_pk, version, opened.key, accepted=False, error=str(error))
        log.warning(
            "%s %s: evidence refused: %s", opened.state.provider, opened.state.dispute_id, error
        )
        return SubmissionOutcome(SubmissionState.REJECTED, str(error))
    except ProviderUnavailable as error:
        book.note_unavailable(opened.key, str(error))
        raise
    book.finish_submission(
        dispute_pk, version, opened.key, accepted=True, response=dict(receipt.response)
    )
    return SubmissionOutcome(SubmissionState.SUCCEEDED, "evidence submitted")
