"""The evidence book: the one owner of evidence versions, submissions and a dispute's evidence
state, and of the one gate that answers "may this version be submitted now?".

Every write of ``EvidenceVersion.state``, of a ``Submission`` row and of
``Dispute.evidence_state`` goes through :class:`EvidenceBook` (``tests/engine/evidence`` checks
that no other module writes them). Each write runs under the dispute's row lock, so a worker,
a person on the dashboard and the CLI never interleave on one dispute.

A version moves only along :data:`VERSION_MOVES`::

    building ─┬─> ready ──┬─> submitted / rejected      (the processor's answer)
              │           ├─> manual_required ─> sent_manually
              │           ├─> sent_manually             (a person sent it by hand)
              │           └─> superseded                (a newer version replaced it unsent)
              └─> failed
    superseded ─> submitted / rejected   (a submission already in flight: its answer is the truth)

The dispute's own ``evidence_state`` follows its latest version, except that once the processor
holds evidence (``submitted``, ``sent_manually``) nothing moves it back.

The gate (:func:`submission_blocker`) combines the engine's records (one submission per
dispute; never a second version while one may be in flight) with the provider's
:meth:`~engine.plugins.provider.DisputeProvider.submission_blocker` — whose base class holds the
neutral rules (an evidence API, an open dispute, a deadline not yet reached) and to which each
provider adds its own, as pretix's ``is_allowed`` does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.models import (
    Dispute,
    EventSource,
    EvidenceState,
    EvidenceVersion,
    Submission,
    SubmissionState,
)
from engine.db.records import read_state
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import DisputeState, EvidenceSent
from engine.errors import DisputeEngineError, DisputeMissing
from engine.evidence.archive import ArchivedFile
from engine.evidence.dossier import (
    Dossier,
    VersionRecord,
    read_dossier,
    sent_text,
    submissions_of,
    version_or_none,
    version_record,
)
from engine.plugins.provider import DisputeProvider

S = EvidenceState
VERSION_MOVES: Mapping[EvidenceState, frozenset[EvidenceState]] = {
    S.BUILDING: frozenset({S.READY, S.FAILED}),
    S.READY: frozenset({S.SUBMITTED, S.REJECTED, S.MANUAL_REQUIRED, S.SENT_MANUALLY, S.SUPERSEDED}),
    S.MANUAL_REQUIRED: frozenset({S.SENT_MANUALLY, S.SUPERSEDED}),
    S.SUPERSEDED: frozenset({S.SUBMITTED, S.REJECTED}),
    S.SUBMITTED: frozenset(),
    S.SENT_MANUALLY: frozenset(),
    S.REJECTED: frozenset(),
    S.FAILED: frozenset(),
}
"""Where each version state may go next; anything else is a bug and raises."""

SETTLED = frozenset({S.SUBMITTED, S.SENT_MANUALLY})
"""Evidence states that record what the processor already holds: nothing moves a dispute out."""


class SubmissionRefused(DisputeEngineError):
    """The engine will not submit: the message says exactly why (already submitted, past due,
    no evidence API…)."""


class IllegalMove(DisputeEngineError):
    """A version was asked to move where :data:`VERSION_MOVES` does not allow: a bug."""


def idempotency_key(provider: str, dispute_id: str, version: int) -> str:
    """One key per dispute and version: a crash and retry send the same key again."""
    key = f"disputes:{provider}:{dispute_id}:v{version}"
    if len(key) > 200:  # processors cap keys (Stripe: 255); leave room for per-call suffixes
        raise ValueError(f"dispute id too long for an idempotency key: {dispute_id!r}")
    return key


@dataclass(frozen=True)
class OpenSubmission:
    """A submission recorded as pending: send ``key`` to the processor now."""

    state: DisputeState
    key: str


def submission_blocker(
    session: Session,
    dispute: Dispute,
    version: int,
    provider: DisputeProvider,
    *,
    now: datetime | None = None,
) -> str | None:
    """The one gate: why ``version`` of ``dispute`` must not be sent now; ``None`` when it may."""
    records = submissions_of(session, dispute.id)
    sent = sent_text(records)
    if sent is not None:
        return f"evidence was already {sent}"
    key = idempotency_key(dispute.provider, dispute.dispute_id, version)
    for row in records:
        if row.state is SubmissionState.PENDING and row.evidence_version != version:
            return (
                f"version {row.evidence_version} is being submitted and may already have "
                "reached the processor"
            )
        if row.idempotency_key == key and row.state is SubmissionState.REJECTED:
            return f"version {version} was already sent ({row.state})"
        if row.idempotency_key == key and row.state is SubmissionState.PENDING:
            # Ours, unanswered: the processor's count may be our own doing. Resume it with
            # the same key; the processor replays its answer instead of taking a second one.
            return None
    evidence = version_or_none(session, dispute.id, version)
    if evidence is not None and evidence.state is not S.READY:
        return f"evidence version {version} is {evidence.state}, not ready to send"
    return provider.submission_blocker(read_state(dispute), now=now or utcnow())


class EvidenceBook:
    """Owns evidence versions and submissions. ``disputes`` records the engine's own events
    (evidence sent by hand) through the same fold as the processor's."""

    def __init__(self, database: Database, disputes: DisputeBook) -> None:
        self.database = database
        self.disputes = disputes

    # -- reading ------------------------------------------------------------------------------

    def dossier(self, dispute_pk: int) -> Dossier:
        with self.database.reading() as session:
            return read_dossier(session, session.get_one(Dispute, dispute_pk))

    def version(self, dispute_pk: int, version: int) -> VersionRecord:
        with self.database.reading() as session:
            return version_record(_version(session, dispute_pk, version))

    def blocker(self, dispute_pk: int, version: int, provider: DisputeProvider) -> str | None:
        """The gate's answer now, without recording anything."""
        with self.database.reading() as session:
            return submission_blocker(
                session, session.get_one(Dispute, dispute_pk), version, provider
            )

    @staticmethod
    def find(session: Session, provider: str, dispute_id: str, *, lock: bool = False) -> Dispute:
        """The dispute row (``lock``: under its row lock, inside a transaction);
        :class:`DisputeMissing` when none is recorded."""
        statement = select(Dispute).where(
            Dispute.provider == provider, Dispute.dispute_id == dispute_id
        )
        dispute = session.scalars(statement.with_for_update() if lock else statement).first()
        if dispute is None:
            raise DisputeMissing(f"no {provider} dispute {dispute_id!r} is recorded")
        return dispute

    # -- building -----------------------------------------------------------------------------

    def reserve(self, dispute_pk: int) -> tuple[int, DisputeState]:
        """Reserve the next version number (a ``building`` row). A build that died before
        leaves its row behind: it is marked failed; unsent versions are superseded."""
        with self._locked(dispute_pk) as (session, dispute):
            for row in _versions_in(session, dispute_pk, (S.BUILDING,)):
                _move(row, S.FAILED, error="interrupted while building")
            for row in _versions_in(session, dispute_pk, (S.READY, S.MANUAL_REQUIRED)):
                # Never sent, and about to be replaced: only the newest packet is the one to send.
                _move(row, S.SUPERSEDED)
            latest = session.scalar(
                select(func.max(EvidenceVersion.version)).where(
                    EvidenceVersion.dispute_pk == dispute_pk
                )
            )
            version = (latest or 0) + 1
            session.add(
                EvidenceVersion(
                    dispute_pk=dispute_pk,
                    version=version,
                    state=S.BUILDING,
                    fields={},
                    files=[],
                    sources={},
                )
            )
            _follow(dispute, S.BUILDING)
            return version, read_state(dispute)

    def record_built(
        self,
        dispute_pk: int,
        version: int,
        *,
        error: str | None,
        fields: dict[str, Any],
        files: list[ArchivedFile],
        sources: dict[str, Any],
    ) -> EvidenceState:
        """The build finished: ``ready``, or ``failed`` with ``error`` (rules broken)."""
        state = S.FAILED if error else S.READY
        with self._locked(dispute_pk) as (session, dispute):
            row = _version(session, dispute_pk, version)
            _move(row, state, error=error)
            row.fields = fields
            row.files = [file.as_record() for file in files]
            row.sources = sources
            _follow(dispute, state)
        return state

    def fail(
        self, dispute_pk: int, version: int, error: str, sources: dict[str, Any] | None = None
    ) -> None:
        """The build could not finish (packet too large, storage down, a crash)."""
        with self._locked(dispute_pk) as (session, dispute):
            row = _version(session, dispute_pk, version)
            _move(row, S.FAILED, error=error)
            if sources is not None:
                row.sources = sources
            _follow(dispute, S.FAILED)

    def require_manual(self, dispute_pk: int, version: int) -> None:
        """The processor has no evidence API: the version waits for a person to send it."""
        with self._locked(dispute_pk) as (session, dispute):
            _move(_version(session, dispute_pk, version), S.MANUAL_REQUIRED)
            _follow(dispute, S.MANUAL_REQUIRED)

    # -- submitting ---------------------------------------------------------------------------

    def open_submission(
        self, dispute_pk: int, version: int, provider: DisputeProvider
    ) -> OpenSubmission:
        """Pass the gate and record the submission as pending *before* the processor is
        called; raises :class:`SubmissionRefused` with the gate's reason."""
        with self._locked(dispute_pk) as (session, dispute):
            blocker = submission_blocker(session, dispute, version, provider)
            if blocker is not None:
                raise SubmissionRefused(blocker)
            key = idempotency_key(dispute.provider, dispute.dispute_id, version)
            row = session.scalars(
                select(Submission).where(Submission.idempotency_key == key)
            ).first()
            if row is None:
                row = Submission(
                    dispute_pk=dispute_pk,
                    evidence_version=version,
                    idempotency_key=key,
                    state=SubmissionState.PENDING,
                    attempts=0,
                )
                session.add(row)
            row.attempts += 1
            return OpenSubmission(read_state(dispute), key)

    def note_unavailable(self, key: str, error: str) -> None:
        """The processor could not answer: the submission stays pending, to be resumed."""
        with self.database.transaction() as session:
            row = session.scalars(select(Submission).where(Submission.idempotency_key == key)).one()
            row.error = error

    def finish_submission(
        self,
        dispute_pk: int,
        version: int,
        key: str,
        *,
        accepted: bool,
        error: str | None = None,
        response: dict[str, object] | None = None,
    ) -> None:
        """The processor answered: the submission and its version are submitted or rejected."""
        now = utcnow()
        state = S.SUBMITTED if accepted else S.REJECTED
        with self._locked(dispute_pk) as (session, dispute):
            row = session.scalars(select(Submission).where(Submission.idempotency_key == key)).one()
            row.state = SubmissionState.SUCCEEDED if accepted else SubmissionState.REJECTED
            row.error, row.response, row.finished_at = error, response, now
            evidence = version_or_none(session, dispute_pk, version)
            if evidence is not None:
                _move(evidence, state, error=error)
                if accepted:
                    evidence.submitted_at = now
            _follow(dispute, state)

    def record_manual(self, dispute_pk: int, version: int, note: str) -> None:
        """A person handed ``version`` to the processor by hand (no evidence API)."""
        now = utcnow()
        with self._locked(dispute_pk) as (session, dispute):
            key = idempotency_key(dispute.provider, dispute.dispute_id, version)
            if session.scalars(select(Submission).where(Submission.idempotency_key == key)).first():
                raise SubmissionRefused(f"version {version} is already recorded as sent")
            evidence = _version(session, dispute_pk, version)
            if S.SENT_MANUALLY not in VERSION_MOVES[evidence.state]:
                raise SubmissionRefused(
                    f"evidence version {version} is {evidence.state}: there is nothing to send"
                )
            session.add(
                Submission(
                    dispute_pk=dispute_pk,
                    evidence_version=version,
                    idempotency_key=key,
                    state=SubmissionState.MANUAL,
                    attempts=1,
                    response={"note": note},
                    finished_at=now,
                )
            )
            _move(evidence, S.SENT_MANUALLY)
            evidence.submitted_at = now
            _follow(dispute, S.SENT_MANUALLY)
            self.disputes.apply(
                session,
                EvidenceSent(
                    provider=dispute.provider,
                    event_id=f"engine:evidence_sent:{dispute.dispute_id}:v{version}",
                    dispute_id=dispute.dispute_id,
                    type="engine.evidence_sent",
                    occurred_at=now,
                ),
                source=EventSource.ENGINE,
            )

    @contextmanager
    def _locked(self, dispute_pk: int) -> Iterator[tuple[Session, Dispute]]:
        with self.database.transaction() as session:
            dispute = session.scalars(
                select(Dispute).where(Dispute.id == dispute_pk).with_for_update()
            ).one()
            yield session, dispute


def _move(row: EvidenceVersion, state: EvidenceState, *, error: str | None = None) -> None:
    if state not in VERSION_MOVES[row.state]:
        raise IllegalMove(f"evidence version {row.version} cannot go from {row.state} to {state}")
    row.state = state
    row.error = error


def _follow(dispute: Dispute, state: EvidenceState) -> None:
    if dispute.evidence_state in SETTLED and state not in SETTLED:
        return
    dispute.evidence_state = state


def _version(session: Session, dispute_pk: int, version: int) -> EvidenceVersion:
    row = version_or_none(session, dispute_pk, version)
    if row is None:
        raise DisputeEngineError(f"evidence version {version} is not recorded")
    return row


def _versions_in(
    session: Session, dispute_pk: int, states: tuple[EvidenceState, ...]
) -> list[EvidenceVersion]:
    return list(
        session.scalars(
            select(EvidenceVersion).where(
                EvidenceVersion.dispute_pk == dispute_pk, EvidenceVersion.state.in_(states)
            )
        )
    )
