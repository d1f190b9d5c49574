"""Answering one dispute: build (or resume) an evidence version and hand it over.

``respond`` is what the evidence worker calls for a claimed dispute; ``regenerate`` is what a
person asks for (``disputes regen``, the dashboard, the API), and so is ``submit`` — approving
the version held for review (``DISPUTES_AUTO_SUBMIT=false``), which sends that very version,
never a fresh build the person has not seen. Both end in exactly one of:
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
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.models import (
    Dispute,
    EvidenceState,
    EvidenceVersion,
    Submission,
    SubmissionState,
)
from engine.db.records import read_state
from engine.disputes.model import DisputeState
from engine.errors import DisputeEngineError, DisputeUnknown
from engine.evidence.model import EvidenceFile, EvidencePacket, EvidenceText, FileField, TextField
from engine.evidence.pipeline.build import SETTLED, build_version, set_dispute_evidence_state
from engine.evidence.readiness import Readiness, version_readiness
from engine.evidence.submission import SubmissionRefused, submit_version
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
    state: str
    version: int | None
    message: str

    def __str__(self) -> str:
        where = f" (evidence version {self.version})" if self.version else ""
        return f"{self.state}{where}: {self.message}"


def regenerate(runtime: Runtime, provider_id: str, dispute_id: str) -> RespondOutcome:
    """Build a new evidence version and submit it if the processor still accepts one."""
    runtime.provider(provider_id)  # NotConfigured names what to set
    with runtime.database.reading() as session:
        dispute_pk = session.scalar(
            select(Dispute.id).where(
                Dispute.provider == provider_id, Dispute.dispute_id == dispute_id
            )
        )
    if dispute_pk is None:
        raise DisputeUnknown(f"no {provider_id} dispute {dispute_id!r} is recorded")
    return respond(runtime, dispute_pk, WorkReason.REGENERATE)


def respond(runtime: Runtime, dispute_pk: int, reason: str) -> RespondOutcome:
    """Answer one dispute (``reason`` is the work reason: respond or regenerate)."""
    pending = _pending_submission(runtime, dispute_pk)
    if pending is not None:
        log.info("resuming the pending submission of version %d", pending)
        return _resume(runtime, dispute_pk, pending)
    with runtime.database.reading() as session:
        dispute = session.get_one(Dispute, dispute_pk)
        state = read_state(dispute)
        latest = _latest_version(session, dispute_pk)
        evidence_state = dispute.evidence_state
    provider = runtime.provider(state.provider)
    if reason in {WorkReason.SUBMIT, WorkReason.DEADLINE}:
        if latest is None or latest.state != EvidenceState.READY:
            held = f"the latest is {latest.state}" if latest is not None else "there is none"
            return RespondOutcome(
                Outcome.REFUSED,
                latest.version if latest is not None else None,
                f"not submitted: no evidence version is held for review ({held})",
            )
        return _deliver_existing(runtime, dispute_pk, latest.version, reason)
    if reason != WorkReason.REGENERATE:
        if evidence_state in SETTLED:
            return RespondOutcome(Outcome.SKIPPED, None, f"evidence was already {evidence_state}")
        if state.status.is_final:
            return RespondOutcome(Outcome.SKIPPED, None, f"the dispute is {state.status.value}")
        if latest is not None and latest.state in {
            EvidenceState.READY,
            EvidenceState.REJECTED,
            EvidenceState.MANUAL_REQUIRED,
        }:
            # Built before (a retry, or a crash after building): hand over that version.
            return _deliver_existing(runtime, dispute_pk, latest.version, reason)
    work_dir = _work_dir(runtime)
    try:
        built = build_version(runtime, dispute_pk, work_dir)
        if built.state != EvidenceState.READY:
            _announce(
                runtime,
                dispute_pk,
                NotificationKind.NEEDS_ATTENTION,
                f"v{built.version}:failed",
                f"evidence could not be built: {built.error}",
            )
            return RespondOutcome(Outcome.FAILED, built.version, built.error or "build failed")
        return _deliver(runtime, dispute_pk, provider, built.version, built.packet, reason)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def why_not_submit(
    runtime: Runtime, dispute_pk: int, provider: DisputeProvider, state: DisputeState
) -> str | None:
    """Why the processor will not take (another) evidence submission now, in one sentence."""
    if not provider.capabilities.supports_evidence_api:
        return f"{provider.display_name} has no evidence API: submit the packet by hand"
    sent = _already_sent(runtime, dispute_pk)
    if sent is not None:
        return f"evidence was already {sent}"
    if state.status.is_final:
        return f"the dispute is closed ({state.status.value})"
    if state.respond_by is not None and state.respond_by < utcnow():
        return f"past due: the response deadline was {state.respond_by:%Y-%m-%d %H:%M} UTC"
    return provider.submission_blocker(state)


def _already_sent(runtime: Runtime, dispute_pk: int) -> str | None:
    """``"submitted (version 2)"`` / ``"sent by hand (version 1)"`` when the processor has it."""
    with runtime.database.reading() as session:
        done = session.scalars(
            select(Submission)
            .where(
                Submission.dispute_pk == dispute_pk,
                Submission.state.in_((SubmissionState.SUCCEEDED, SubmissionState.MANUAL)),
            )
            .order_by(Submission.evidence_version.desc())
        ).first()
        if done is None:
            return None
        how = "sent by hand" if done.state is SubmissionState.MANUAL else "submitted"
        return f"{how} (version {done.evidence_version})"


def _deliver(
    runtime: Runtime,
    dispute_pk: int,
    provider: DisputeProvider,
    version: int,
    packet: EvidencePacket,
    reason: str,
) -> RespondOutcome:
    with runtime.database.reading() as session:
        state = read_state(session.get_one(Dispute, dispute_pk))
    if not provider.capabilities.supports_evidence_api:
        sent = _already_sent(runtime, dispute_pk)
        if sent is not None:
            return RespondOutcome(
                Outcome.REFUSED, version, f"not submitted: evidence was already {sent}"
            )
        message = (
            f"{provider.display_name} has no evidence API: the packet is ready to send by hand"
        )
        _mark(runtime, dispute_pk, version, EvidenceState.MANUAL_REQUIRED)
        _announce(runtime, dispute_pk, NotificationKind.MANUAL_REQUIRED, f"v{version}", message)
        return RespondOutcome(Outcome.MANUAL_REQUIRED, version, message)
    blocker = why_not_submit(runtime, dispute_pk, provider, state)
    mode = runtime.settings.auto_submit
    readiness = _readiness(runtime, dispute_pk, version)
    hold = submit_decision(mode, reason, readiness)
    if hold is Hold.POLICY_FALSE:
        return RespondOutcome(
            Outcome.READY, version, f"held for review (DISPUTES_AUTO_SUBMIT={mode})"
        )
    if hold is Hold.INCOMPLETE and blocker is None:
        missing = ", ".join(readiness.missing)
        _announce(
            runtime,
            dispute_pk,
            NotificationKind.REVIEW_NEEDED,
            f"v{version}:review",
            f"evidence version {version} is missing {missing}",
        )
        return RespondOutcome(Outcome.READY, version, f"held for review: missing {missing}")
    if blocker is not None:
        return RespondOutcome(Outcome.REFUSED, version, f"not submitted: {blocker}")
    return _submit(runtime, dispute_pk, version, packet)


def _submit(
    runtime: Runtime, dispute_pk: int, version: int, packet: EvidencePacket
) -> RespondOutcome:
    try:
        outcome = submit_version(runtime, dispute_pk, version, packet)
    except SubmissionRefused as refused:
        return RespondOutcome(Outcome.REFUSED, version, f"not submitted: {refused}")
    if outcome.state is SubmissionState.SUCCEEDED:
        _announce(
            runtime,
            dispute_pk,
            NotificationKind.SUBMITTED,
            f"v{version}",
            f"evidence version {version} submitted",
        )
        return RespondOutcome(Outcome.SUBMITTED, version, outcome.message)
    _announce(
        runtime,
        dispute_pk,
        NotificationKind.NEEDS_ATTENTION,
        f"v{version}:rejected",
        f"the processor refused evidence version {version}: {outcome.message}",
    )
    return RespondOutcome(Outcome.REJECTED, version, outcome.message)


def _deliver_existing(
    runtime: Runtime, dispute_pk: int, version: int, reason: str
) -> RespondOutcome:
    with runtime.database.reading() as session:
        provider = runtime.provider(session.get_one(Dispute, dispute_pk).provider)
    work_dir = _work_dir(runtime)
    try:
        packet = load_packet(runtime, dispute_pk, version, work_dir)
        return _deliver(runtime, dispute_pk, provider, version, packet, reason)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _readiness(runtime: Runtime, dispute_pk: int, version: int) -> Readiness:
    with runtime.database.reading() as session:
        row = session.scalars(
            select(EvidenceVersion).where(
                EvidenceVersion.dispute_pk == dispute_pk, EvidenceVersion.version == version
            )
        ).one()
        reason = session.get_one(Dispute, dispute_pk).reason
        return version_readiness(reason, row.fields, row.files)


def _resume(runtime: Runtime, dispute_pk: int, version: int) -> RespondOutcome:
    work_dir = _work_dir(runtime)
    try:
        packet = load_packet(runtime, dispute_pk, version, work_dir)
        return _submit(runtime, dispute_pk, version, packet)
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def load_packet(runtime: Runtime, dispute_pk: int, version: int, work_dir: Path) -> EvidencePacket:
    """The packet of a recorded version, its files read back from storage into ``work_dir``."""
    with runtime.database.reading() as session:
        row = session.scalars(
            select(EvidenceVersion).where(
                EvidenceVersion.dispute_pk == dispute_pk, EvidenceVersion.version == version
            )
        ).one()
        fields, files = dict(row.fields), list(row.files)
    texts = tuple(
        EvidenceText(TextField(name), text)
        for name, text in fields.items()
        if not name.startswith("_") and name in TextField.__members__.values()
    )
    documents = []
    for record in files:
        if not record.get("in_packet", True):
            continue
        data = runtime.storage.get(record["name"])
        if hashlib.sha256(data).hexdigest() != record["sha256"]:
            # Never resend something other than what was recorded (and shown) as this version.
            raise ArchiveMismatch(
                f"the archived {record['kind']} of evidence version {version} does not match "
                "its recorded sha256"
            )
        local = work_dir / f"{record['kind']}.pdf"
        local.write_bytes(data)
        documents.append(EvidenceFile(FileField(record["kind"]), str(local), record["mime"]))
    ce3 = fields.get(RECORD_KEY)
    return EvidencePacket(
        texts=texts,
        files=tuple(documents),
        visa_ce3=decode_evidence(ce3) if isinstance(ce3, str) else None,
    )


def _pending_submission(runtime: Runtime, dispute_pk: int) -> int | None:
    with runtime.database.reading() as session:
        version: int | None = session.scalar(
            select(Submission.evidence_version).where(
                Submission.dispute_pk == dispute_pk,
                Submission.state == SubmissionState.PENDING,
            )
        )
        return version


def _latest_version(session: Session, dispute_pk: int) -> EvidenceVersion | None:
    return session.scalars(
        select(EvidenceVersion)
        .where(EvidenceVersion.dispute_pk == dispute_pk)
        .order_by(EvidenceVersion.version.desc())
        .limit(1)
    ).first()


def _mark(runtime: Runtime, dispute_pk: int, version: int, state: EvidenceState) -> None:
    with runtime.database.transaction() as session:
        row = session.scalars(
            select(EvidenceVersion).where(
                EvidenceVersion.dispute_pk == dispute_pk, EvidenceVersion.version == version
            )
        ).one()
        row.state = state
        set_dispute_evidence_state(
            session.get_one(Dispute, dispute_pk, with_for_update=True), state
        )


def _announce(
    runtime: Runtime, dispute_pk: int, kind: NotificationKind, key: str, detail: str
) -> None:
    notifiers = list(runtime.notifiers)
    if not notifiers:
        return
    with runtime.database.transaction() as session:
        announce(session, notifiers, session.get_one(Dispute, dispute_pk), kind, key, detail)


def _work_dir(runtime: Runtime) -> Path:
    parent = runtime.settings.data_dir / "work"
    parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return Path(tempfile.mkdtemp(prefix="evidence-", dir=parent))
