"""What the engine knows of a dispute's evidence, read in one go: the latest version, the
submission in flight, what the processor already holds. Reads only; every write is the
evidence book's (:mod:`engine.evidence.book`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.models import Dispute, EvidenceState, EvidenceVersion, Submission, SubmissionState
from engine.db.records import read_state
from engine.disputes.model import DisputeState
from engine.evidence.archive import ArchivedFile, decode_archived

HELD_STATES = (SubmissionState.SUCCEEDED, SubmissionState.MANUAL)
"""Submission states after which the processor holds evidence."""


@dataclass(frozen=True)
class VersionRecord:
    """One stored evidence version, as values."""

    version: int
    state: EvidenceState
    fields: Mapping[str, Any]
    files: tuple[ArchivedFile, ...]
    error: str | None


@dataclass(frozen=True)
class Dossier:
    """What answering a dispute needs, read once under one snapshot."""

    dispute_pk: int
    state: DisputeState
    evidence_state: EvidenceState
    latest: VersionRecord | None
    pending: int | None
    """The version whose submission was recorded but not answered (a crash, a 5xx)."""
    sent: str | None
    """``"submitted (version 2)"`` / ``"sent by hand (version 1)"`` once the processor holds it."""
    held_version: int | None
    """The version the processor holds, if any."""


def read_dossier(session: Session, dispute: Dispute) -> Dossier:
    records = submissions_of(session, dispute.id)
    latest = latest_version(session, dispute.id)
    return Dossier(
        dispute_pk=dispute.id,
        state=read_state(dispute),
        evidence_state=dispute.evidence_state,
        latest=None if latest is None else version_record(latest),
        pending=next(
            (r.evidence_version for r in records if r.state is SubmissionState.PENDING), None
        ),
        sent=sent_text(records),
        held_version=next((r.evidence_version for r in records if r.state in HELD_STATES), None),
    )


def submissions_of(session: Session, dispute_pk: int) -> list[Submission]:
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.dispute_pk == dispute_pk)
            .order_by(Submission.evidence_version.desc())
        )
    )


def sent_text(records: list[Submission]) -> str | None:
    held = next((row for row in records if row.state in HELD_STATES), None)
    if held is None:
        return None
    how = "sent by hand" if held.state is SubmissionState.MANUAL else "submitted"
    return f"{how} (version {held.evidence_version})"


def latest_version(session: Session, dispute_pk: int) -> EvidenceVersion | None:
    return session.scalars(
        select(EvidenceVersion)
        .where(EvidenceVersion.dispute_pk == dispute_pk)
        .order_by(EvidenceVersion.version.desc())
        .limit(1)
    ).first()


def version_or_none(session: Session, dispute_pk: int, version: int) -> EvidenceVersion | None:
    return session.scalars(
        select(EvidenceVersion).where(
            EvidenceVersion.dispute_pk == dispute_pk, EvidenceVersion.version == version
        )
    ).first()


def version_record(row: EvidenceVersion) -> VersionRecord:
    return VersionRecord(
        version=row.version,
        state=row.state,
        fields=dict(row.fields),
        files=decode_archived(row.files),
        error=row.error,
    )
