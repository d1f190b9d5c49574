"""The database tables. The dispute row is the unit of work: its state is the fold of its
events, and its ``work_*`` columns are the evidence queue."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.db.base import Base, utcnow

JSONType = JSON()


class WorkState(enum.StrEnum):
    """Values of ``Dispute.work_state``."""

    IDLE = "idle"
    QUEUED = "queued"
    CLAIMED = "claimed"


class EvidenceState(enum.StrEnum):
    """Values of ``Dispute.evidence_state`` (and of ``EvidenceVersion.state``)."""

    NONE = "none"
    """No evidence built yet."""
    BUILDING = "building"
    READY = "ready"
    """Built and validated, held for a person's review (``DISPUTES_AUTO_SUBMIT=false``)."""
    SUBMITTED = "submitted"
    MANUAL_REQUIRED = "manual_required"
    """The processor has no evidence API: the packet waits for a person to send it."""
    SENT_MANUALLY = "sent_manually"
    REJECTED = "rejected"
    """The processor refused the evidence; its message is on the submission."""
    FAILED = "failed"
    """Building failed for good; the error is on the version."""
    SUPERSEDED = "superseded"
    """(Versions only) replaced by a newer version before it was sent."""


_LISTING_ORDER = func.coalesce(text("created_at"), text("first_seen_at"))
"""The list's sort key (``web.queries``): when the processor opened it, else first seen."""


class Dispute(Base):
    __tablename__ = "disputes"
    __table_args__ = (
        UniqueConstraint("provider", "dispute_id"),
        Index("ix_disputes_work", "work_state", "work_not_before"),
        Index("ix_disputes_listing", "created_at", "id"),
        # Evidence that wins (#10): the worker's search for held versions near their deadline.
        Index("ix_disputes_held", "evidence_state", "respond_by"),
        # Performance (#11): the dashboard's keyset order is coalesce(created_at, first_seen_at),
        # id; an index on that expression serves the list and every filter by an index seek.
        Index("ix_disputes_sort", func.coalesce(text("created_at"), text("first_seen_at")), "id"),
        *(
            Index(
                f"ix_disputes_{name}_sort",
                name,
                func.coalesce(text("created_at"), text("first_seen_at")),
                "id",
            )
            for name in ("status", "provider", "reason", "stage")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    dispute_id: Mapped[str] = mapped_column(String(255))
    account: Mapped[str | None] = mapped_column(String(255))
    stage: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True)
    provider_status: Mapped[str] = mapped_column(Text)
    """The processor's own word, verbatim: unknown future statuses are kept, never cut."""
    reason: Mapped[str] = mapped_column(String(64))
    provider_reason: Mapped[str | None] = mapped_column(Text)
    network_reason_code: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[str] = mapped_column(String(40))
    """Exact decimal text in major units (``"798.29"``): never a float on the way through."""
    currency: Mapped[str] = mapped_column(String(3))
    funds: Mapped[str] = mapped_column(String(32))
    fees: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    respond_by: Mapped[datetime | None]
    payment_id: Mapped[str | None] = mapped_column(String(255))
    customer_id: Mapped[str | None] = mapped_column(String(255))
    customer_email: Mapped[str | None] = mapped_column(String(320))
    customer_name: Mapped[str | None] = mapped_column(String(255))
    submission_count: Mapped[int | None]
    created_at: Mapped[datetime | None]
    """When the processor opened the dispute."""
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_event_at: Mapped[datetime]
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The processor's latest dispute object, as it sent it."""

    evidence_state: Mapped[str] = mapped_column(String(32), default=EvidenceState.NONE)
    work_state: Mapped[str] = mapped_column(String(16), default=WorkState.IDLE)
    work_reason: Mapped[str | None] = mapped_column(String(32))
    work_not_before: Mapped[datetime | None]
    work_claimed_by: Mapped[str | None] = mapped_column(String(128))
    work_lease_until: Mapped[datetime | None]
    work_attempts: Mapped[int] = mapped_column(Integer, default=0)
    work_error: Mapped[str | None] = mapped_column(Text)

    events: Mapped[list[DisputeEventRow]] = relationship(
        back_populates="dispute", order_by="DisputeEventRow.occurred_at"
    )


class DisputeEventRow(Base):
    """One provider event, stored once: the lifecycle folds these into the dispute's state."""

    __tablename__ = "dispute_events"
    __table_args__ = (UniqueConstraint("provider", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_pk: Mapped[int] = mapped_column(
        ForeignKey("disputes.id", ondelete="CASCADE"), index=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(128))
    source: Mapped[str] = mapped_column(String(16))
    """``webhook``, ``sync`` or ``engine`` (the engine's own acts, such as accepting)."""
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str | None] = mapped_column(String(32))
    provider_status: Mapped[str | None] = mapped_column(Text)
    applied: Mapped[bool]
    """Whether the dispute's state changed when this event arrived."""
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    """The neutral event, msgspec-encoded: what the lifecycle folds."""

    dispute: Mapped[Dispute] = relationship(back_populates="events")


class WebhookDelivery(Base):
    """Every authenticated webhook body as received, with what the engine made of it."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    event_id: Mapped[str | None] = mapped_column(String(255), index=True)
    event_type: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[str] = mapped_column(String(16))
    """``applied``, ``duplicate``, ``ignored`` or ``rejected``."""
    detail: Mapped[str | None] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)


class EvidenceVersion(Base):
    __tablename__ = "evidence_versions"
    __table_args__ = (UniqueConstraint("dispute_pk", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_pk: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    version: Mapped[int]
    state: Mapped[str] = mapped_column(String(32))
    fields: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """Neutral text fields, plus internal ``_``-prefixed ones such as ``_receipt_url``."""
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    """``[{"kind", "name", "url", "sha256", "bytes", "mime"}]``: the archived documents."""
    sources: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    """Which source contributed what, and which failed with what error."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class Submission(Base):
    """One attempt to hand an evidence version to the processor. The idempotency key is unique:
    a retry after a crash finds the same row and reuses the same key."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_pk: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    evidence_version: Mapped[int]
    idempotency_key: Mapped[str] = mapped_column(String(255), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    """``pending``, ``succeeded``, ``rejected`` (processor said no) or ``manual``."""
    attempts: Mapped[int] = mapped_column(default=0)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class NotificationRow(Base):
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("notifier", "dedupe_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_pk: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    notifier: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    dedupe_key: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    """``pending``, ``sent`` or ``failed`` (gave up)."""
    message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32), index=True)
    state: Mapped[str] = mapped_column(String(16))
    """``running``, ``finished``, ``failed`` or ``interrupted`` (Ctrl-C, an unexpected error)."""
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    seen: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    queued: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    error: Mapped[str | None] = mapped_column(Text)
