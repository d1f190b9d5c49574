"""Reading disputes for the dashboard and the API: filtered keyset pages and one dispute with
everything about it. Both views share these, so they always agree."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, tuple_
from sqlalchemy.orm import Session

from engine.db.keyset import BadKeyset, decode_keyset, encode_keyset
from engine.db.models import (
    Dispute,
    DisputeEventRow,
    EvidenceVersion,
    NotificationRow,
    Submission,
)

MAX_PAGE = 100
DEFAULT_PAGE = 25


class BadCursor(ValueError):
    """A ``cursor`` that this app did not hand out."""


@dataclass(frozen=True)
class Filters:
    provider: str | None = None
    status: str | None = None
    stage: str | None = None
    reason: str | None = None

    def active(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def _sort_key() -> ColumnElement[datetime]:
    """Newest first, by when the processor opened the dispute (first seen when unknown)."""
    return func.coalesce(Dispute.created_at, Dispute.first_seen_at)


def encode_cursor(row: Dispute) -> str:
    return encode_keyset(row.created_at or row.first_seen_at, row.id)


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        return decode_keyset(cursor)
    except BadKeyset as error:
        raise BadCursor(str(error)) from None


def list_disputes(
    session: Session, filters: Filters, limit: int, cursor: str | None
) -> tuple[list[Dispute], str | None]:
    """One page of disputes and the cursor of the next page (``None`` on the last)."""
    sort = _sort_key()
    statement = select(Dispute)
    for name, value in filters.active().items():
        statement = statement.where(getattr(Dispute, name) == value)
    if cursor:
        moment, pk = decode_cursor(cursor)
        # A row-value comparison, not "a < x OR (a = x AND id < y)": both databases turn it into
        # one index range, where the OR made PostgreSQL walk the index from the top (3 s at
        # 99 % depth of 500k disputes).
        # SQLite seeks an expression index only on a plain bound of the expression, not on a
        # row value (it walked 990k index entries at 99 % depth of a million): the redundant
        # ``sort <= moment`` gives it the start of the range.
        statement = statement.where(sort <= moment, tuple_(sort, Dispute.id) < tuple_(moment, pk))
    statement = statement.order_by(sort.desc(), Dispute.id.desc()).limit(limit + 1)
    rows = list(session.scalars(statement))
    if len(rows) > limit:
        return rows[:limit], encode_cursor(rows[limit - 1])
    return rows, None


def find_dispute(session: Session, provider: str, dispute_id: str) -> Dispute | None:
    return session.scalars(
        select(Dispute).where(Dispute.provider == provider, Dispute.dispute_id == dispute_id)
    ).first()


@dataclass
class Related:
    """What belongs to a set of disputes, by dispute primary key."""

    events: dict[int, list[DisputeEventRow]] = field(default_factory=lambda: defaultdict(list))
    versions: dict[int, list[EvidenceVersion]] = field(default_factory=lambda: defaultdict(list))
    """Newest version first."""

    def latest(self, dispute_pk: int) -> EvidenceVersion | None:
        versions = self.versions.get(dispute_pk)
        return versions[0] if versions else None


def load_related(session: Session, pks: list[int]) -> Related:
    related = Related()
    if not pks:
        return related
    for event in session.scalars(
        select(DisputeEventRow)
        .where(DisputeEventRow.dispute_pk.in_(pks))
        .order_by(DisputeEventRow.occurred_at, DisputeEventRow.id)
    ):
        related.events[event.dispute_pk].append(event)
    for version in session.scalars(
        select(EvidenceVersion)
        .where(EvidenceVersion.dispute_pk.in_(pks))
        .order_by(EvidenceVersion.version.desc())
    ):
        related.versions[version.dispute_pk].append(version)
    return related


def submissions_of(session: Session, dispute_pk: int) -> list[Submission]:
    return list(
        session.scalars(
            select(Submission)
            .where(Submission.dispute_pk == dispute_pk)
            .order_by(Submission.started_at.desc(), Submission.id.desc())
        )
    )


def notifications_of(session: Session, dispute_pk: int) -> list[NotificationRow]:
    return list(
        session.scalars(
            select(NotificationRow)
            .where(NotificationRow.dispute_pk == dispute_pk)
            .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc())
        )
    )


def distinct_reasons(session: Session) -> list[str]:
    return sorted(session.scalars(select(Dispute.reason).distinct()))
