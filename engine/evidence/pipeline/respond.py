"""Answering one dispute: build (or resume) an evidence version and hand it over.

``respond`` is what the evidence worker calls for a claimed dispute, for every work reason: a
new dispute, a person's request to regenerate (:mod:`engine.evidence.requests`) or to submit the
version held for review — which sends that very version, never a fresh build the person has not
seen — and the deadline policy. It reads the dispute and its evidence once (the book's
:class:`~engine.evidence.book.Dossier`) and passes those values on. It ends in exactly one of:
submitted, held for review, manual submission required, refused (with the reason), rejected by
the processor, or failed. A processor or storage that is down raises
:class:`engine.errors.ProviderUnavailable` so the worker retries with backoff; a retry finds a
submission left ``pending`` and resumes that same version with the same idempotency key.
"""

from __future__ import annotations

import enum
import hashlib
import logging
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engine.db.models import Dispute, EvidenceState, SubmissionState
from engine.errors import DisputeEngineError
from engine.evidence.book import SETTLED, EvidenceBook, SubmissionRefused
from engine.evidence.dossier import Dossier
from engine.evidence.model import EvidenceFile, EvidencePacket, EvidenceText, FileField, TextField
from engine.evidence.pipeline.build import build_version
from engine.evidence.readiness import Readiness, version_readiness
from engine.evidence.submission import submit_version
from engine.evidence.submit_policy import Hold, submit_decision
from engine.evidence.visa_ce3.assess import RECORD_KEY, decode_evidence
from engine.notifications.notifier import NotificationKind
from engine.notifications.outbox import announce
from engine.plugins.provider import DisputeProvider
from engine.runtime import Runtime
from engine.work.queue import WorkReason

log = logging.getLogger("disputes.evidence")


class ArchiveMismatch(DisputeEngineError):
    """An archived document no longer matches the version's record."""


class Outcome(enum.StrEnum):
    """Values of :attr:`RespondOutcome.state`."""

    SUBMITTED = "submitted"
    READY = "ready"
    """Built and held for review (``DISPUTES_AUTO_SUBMIT=false``)."""
    MANUAL_REQUIRED = "manual_required"
    REFUSED = "refused"
    """Built (or not), but not submitted: ``message`` says exactly why."""
    REJECTED = "rejected"
    """The processor refused the evidence."""
    FAILED = "failed"
    """The packet could not be built or breaks the provider's rules."""
    SKIPPED = "skipped"
    """Nothing to do (the dispute is closed, or was already answered)."""


@dataclass(frozen=True)
class RespondOutcome:
    state: Outcome
    version: int | None
    message: str

    def __str__(self) -> str:
        where = f" (evidence version {self.version})" if self.version else ""
        return f"{self.state}{where}: {self.message}"


@dataclass(frozen=True)
class _Answer:
    """One dispute being answered: the engine's services and what was read about it."""

    runtime: Runtime
    provider: DisputeProvider
    dossier: Dossier

    @property
    def book(self) -> EvidenceBook:
        return self.runtime.evidence

    @property
    def pk(self) -> int:
        return self.dossier.dispute_pk


def respond(runtime: Runtime, dispute_pk: int, reason: str) -> RespondOutcome:
    """Answer one dispute (``reason`` is the work reason it was queued for)."""
    dossier = runtime.evidence.dossier(dispute_pk)
    answer = _Answer(runtime, runtime.provider(dossier.state.provider), dossier)
    latest = dossier.latest
    if dossier.pending is not None:
        log.info("resuming the pending submission of version %d", dossier.pending)
        with _work_dir(runtime) as work_dir:
            packet = load_packet(runtime, dispute_pk, dossier.pending, work_dir)
            return _submit(answer, dossier.pending, packet)
    if reason in {WorkReason.SUBMIT, WorkReason.DEADLINE}:
        if latest is None or latest.state is not EvidenceState.READY:
            held = f"the latest is {latest.state}" if latest is not None else "there is none"
            return RespondOutcome(
                Outcome.REFUSED,
                latest.version if latest is not None else None,
                f"not submitted: no evidence version is held for review ({held})",
            )
        return _deliver_existing(answer, latest.version, reason)
    if reason != WorkReason.REGENERATE:
        if dossier.evidence_state in SETTLED:
            return RespondOutcome(
                Outcome.SKIPPED, None, f"evidence was already {dossier.evidence_state}"
            )
        if dossier.state.status.is_final:
            return RespondOutcome(
                Outcome.SKIPPED, None, f"the dispute is {dossier.state.status.value}"
            )
        if latest is not None and latest.state in {
            EvidenceState.READY,
            EvidenceState.REJECTED,
            EvidenceState.MANUAL_REQUIRED,
        }:
            # Built before (a retry, or a crash after building): hand over that version.
            return _deliver_existing(answer, latest.version, reason)
    with _work_dir(runtime) as work_dir:
        built = build_version(runtime, dispute_pk, work_dir)
        if built.state is not EvidenceState.READY:
            _announce(
                answer,
                NotificationKind.NEEDS_ATTENTION,
                f"v{built.version}:failed",
                f"evidence could not be built: {built.error}",
            )
            return RespondOutcome(Outcome.FAILED, built.version, built.error or "build failed")
        return _deliver(answer, built.version, built.packet, reason)


def _deliver(answer: _Answer, version: int, packet: EvidencePacket, reason: str) -> RespondOutcome:
    provider = answer.provider
    if not provider.capabilities.supports_evidence_api:
        if answer.dossier.sent is not None:
            return RespondOutcome(
                Outcome.REFUSED,
                version,
                f"not submitted: evidence was already {answer.dossier.sent}",
            )
        message = f"{provider.no_evidence_api()}: the packet is ready"
        answer.book.require_manual(answer.pk, version)
        _announce(answer, NotificationKind.MANUAL_REQUIRED, f"v{version}", message)
        return RespondOutcome(Outcome.MANUAL_REQUIRED, version, message)
    mode = answer.runtime.settings.auto_submit
    readiness = _readiness(answer, version)
    hold = submit_decision(mode, reason, readiness)
    if hold is Hold.POLICY_FALSE:
        return RespondOutcome(
            Outcome.READY, version, f"held for review (DISPUTES_AUTO_SUBMIT={mode})"
        )
    blocker = answer.book.blocker(answer.pk, version, provider)
    if hold is Hold.INCOMPLETE and blocker is None:
        missing = ", ".join(readiness.missing)
        _announce(
            answer,
            NotificationKind.REVIEW_NEEDED,
            f"v{version}:review",
            f"evidence version {version} is missing {missing}",
        )
        return RespondOutcome(Outcome.READY, version, f"held for review: missing {missing}")
    if blocker is not None:
        return RespondOutcome(Outcome.REFUSED, version, f"not submitted: {blocker}")
    return _submit(answer, version, packet)


def _submit(answer: _Answer, version: int, packet: EvidencePacket) -> RespondOutcome:
    try:
        outcome = submit_version(answer.book, answer.provider, answer.pk, version, packet)
    except SubmissionRefused as refused:
        return RespondOutcome(Outcome.REFUSED, version, f"not submitted: {refused}")
    if outcome.state is SubmissionState.SUCCEEDED:
        _announce(
            answer,
            NotificationKind.SUBMITTED,
            f"v{version}",
            f"evidence version {version} submitted",
        )
        return RespondOutcome(Outcome.SUBMITTED, version, outcome.message)
    _announce(
        answer,
        NotificationKind.NEEDS_ATTENTION,
        f"v{version}:rejected",
        f"the processor refused evidence version {version}: {outcome.message}",
    )
    return RespondOutcome(Outcome.REJECTED, version, outcome.message)


def _deliver_existing(answer: _Answer, version: int, reason: str) -> RespondOutcome:
    with _work_dir(answer.runtime) as work_dir:
        packet = load_packet(answer.runtime, answer.pk, version, work_dir)
        return _deliver(answer, version, packet, reason)


def _readiness(answer: _Answer, version: int) -> Readiness:
    record = answer.book.version(answer.pk, version)
    return version_readiness(answer.dossier.state.reason, record.fields, record.files)


def load_packet(runtime: Runtime, dispute_pk: int, version: int, work_dir: Path) -> EvidencePacket:
    """The packet of a recorded version, its files read back from storage into ``work_dir``."""
    record = runtime.evidence.version(dispute_pk, version)
    texts = tuple(
        EvidenceText(TextField(name), text)
        for name, text in record.fields.items()
        if not name.startswith("_") and name in TextField.__members__.values()
    )
    documents = []
    for archived in record.files:
        if not archived.in_packet:
            continue
        data = runtime.storage.get(archived.name)
        if hashlib.sha256(data).hexdigest() != archived.sha256:
            # Never resend something other than what was recorded (and shown) as this version.
            raise ArchiveMismatch(
                f"the archived {archived.kind} of evidence version {version} does not match "
                "its recorded sha256"
            )
        local = work_dir / f"{archived.kind}.pdf"
        local.write_bytes(data)
        documents.append(EvidenceFile(FileField(archived.kind), str(local), archived.mime))
    ce3 = record.fields.get(RECORD_KEY)
    return EvidencePacket(
        texts=texts,
        files=tuple(documents),
        visa_ce3=decode_evidence(ce3) if isinstance(ce3, str) else None,
    )


def _announce(answer: _Answer, kind: NotificationKind, key: str, detail: str) -> None:
    notifiers = list(answer.runtime.notifiers)
    if not notifiers:
        return
    with answer.runtime.database.transaction() as session:
        announce(session, notifiers, session.get_one(Dispute, answer.pk), kind, key, detail)


@contextmanager
def _work_dir(runtime: Runtime) -> Iterator[Path]:
    parent = runtime.settings.data_dir / "work"
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    work_dir = Path(tempfile.mkdtemp(prefix="evidence-", dir=parent))
    try:
        yield work_dir
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
