"""The database tables. The dispute row is the unit of work: its state is the fold of its
events, and its ``work_*`` columns are the evidence queue."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
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

from engine.db.base import Base, StrEnumColumn, utcnow
from engine.db.fraud_warnings import EarlyFraudWarning as EarlyFraudWarning  # registers the table
from engine.db.tallies import DisputeTally as DisputeTally  # registers the tables
from engine.db.tallies import FeeTally as FeeTally
from engine.db.tallies import MonthTally as MonthTally
from engine.disputes.model import Funds, Reason, Stage, Status

JSONType = JSON()


class WorkState(enum.StrEnum):
    """Values of ``Dispute.work_state``."""

    IDLE = "idle"
    QUEUED = "queued"
    CLAIMED = "claimed"


class WorkReason(enum.StrEnum):
    """Why work was queued (``Dispute.work_reason``)."""

    RESPOND = "respond"
    """Build evidence and, if allowed, submit it."""
    REGENERATE = "regenerate"
    """A person asked for a new evidence version."""
    SUBMIT = "submit"
    """A person approved the evidence version held for review: submit that very version."""
    DEADLINE = "deadline"
    """The response deadline is near and the held version was never acted on: send it."""
    ACCEPT = "accept"
    """The dispute is below ``DISPUTES_ACCEPT_BELOW``: concede it instead of fighting."""


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


class SubmissionState(enum.StrEnum):
    """Values of ``Submission.state``."""

    PENDING = "pending"
    """Recorded before the processor was called; a retry resumes it with the same key."""
    SUCCEEDED = "succeeded"
    REJECTED = "rejected"
    """The processor said no; never retried."""
    MANUAL = "manual"
    """A person handed the packet to a processor without an evidence API."""


class EventSource(enum.StrEnum):
    """Values of ``DisputeEventRow.source``: how an event reached the engine."""

    WEBHOOK = "webhook"
    SYNC = "sync"
    ENGINE = "engine"
    """The engine's own acts (evidence sent by hand, accepting, a customer found)."""
    RECONCILE = "reconcile"
    """The reconciliation sweep re-reading an open dispute."""


class WebhookOutcome(enum.StrEnum):
    """Values of ``WebhookDelivery.outcome``."""

    RECEIVED = "received"
    """Verified and stored, its events not applied yet (the webhook inbox): a writer under
    load answers first and applies when it has time (:mod:`engine.intake.inbox`)."""
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    REJECTED = "rejected"
    FAILED = "failed"
    """Verified, but its events could not be applied after every retry: kept, with its
    verdict, for a person."""


class NotificationState(enum.StrEnum):
    """Values of ``NotificationRow.state``."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    """Given up after the last attempt."""


class SyncState(enum.StrEnum):
    """Values of ``SyncRun.state``."""

    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    INTERRUPTED = "interrupted"
    """Stopped by Ctrl-C or an unexpected error; the counts are what was really done."""


class SyncKind(enum.StrEnum):
    """Values of ``SyncRun.kind``: who started the run."""

    SYNC = "sync"
    """``disputes sync``: a person backfilling every dispute."""
    SWEEP = "sweep"
    """The worker's reconciliation sweep (``DISPUTES_RECONCILE_INTERVAL_SECONDS``)."""


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
        # The dashboard's "due soon": disputes needing a response, by deadline.
        Index("ix_disputes_due", "status", "respond_by"),
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
    stage: Mapped[Stage] = mapped_column(StrEnumColumn(Stage, 32))
    status: Mapped[Status] = mapped_column(StrEnumColumn(Status, 32), index=True)
    provider_status: Mapped[str] = mapped_column(Text)
    """The processor's own word, verbatim: unknown future statuses are kept, never cut."""
    reason: Mapped[Reason] = mapped_column(StrEnumColumn(Reason, 64))
    """A :class:`Reason` value (typed as text until ``DisputeSnapshot.reason`` is)."""
    provider_reason: Mapped[str | None] = mapped_column(Text)
    network_reason_code: Mapped[str | None] = mapped_column(String(64))
    amount: Mapped[str] = mapped_column(String(40))
    """Exact decimal text in major units (``"798.29"``): never a float on the way through."""
    currency: Mapped[str] = mapped_column(String(3))
    funds: Mapped[Funds] = mapped_column(StrEnumColumn(Funds, 32))
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
    """The processor's latest dispute object, as it sent it (rows written before packing)."""
    raw_packed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The same, packed (:mod:`engine.db.packing`): what the engine writes now."""

    evidence_state: Mapped[EvidenceState] = mapped_column(
        StrEnumColumn(EvidenceState, 32), default=EvidenceState.NONE
    )
    """Written by the evidence book only (``engine.evidence.book``)."""
    work_state: Mapped[WorkState] = mapped_column(
        StrEnumColumn(WorkState, 16), default=WorkState.IDLE
    )
    work_reason: Mapped[WorkReason | None] = mapped_column(StrEnumColumn(WorkReason, 32))
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
    source: Mapped[EventSource] = mapped_column(StrEnumColumn(EventSource, 16))
    occurred_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[Status | None] = mapped_column(StrEnumColumn(Status, 32))
    provider_status: Mapped[str | None] = mapped_column(Text)
    applied: Mapped[bool]
    """Whether the dispute's state changed when this event arrived."""
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=False)
    """The neutral event, msgspec-encoded: what the lifecycle folds. JSON ``null`` (the column
    stays NOT NULL, so no table rewrite) once the event is stored ``packed``."""
    packed: Mapped[bytes | None] = mapped_column(LargeBinary)
    """The same event, packed (:mod:`engine.db.packing`): what the engine writes now."""

    dispute: Mapped[Dispute] = relationship(back_populates="events")


class WebhookDelivery(Base):
    """Every authenticated webhook body as received, with what the engine made of it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # Only the inbox's few rows: the index stays small however many deliveries are kept.
        Index(
            "ix_webhook_deliveries_inbox",
            "apply_after",
            "id",
            sqlite_where=text("outcome = 'received'"),
            postgresql_where=text("outcome = 'received'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    event_id: Mapped[str | None] = mapped_column(String(255), index=True)
    event_type: Mapped[str | None] = mapped_column(String(128))
    outcome: Mapped[WebhookOutcome] = mapped_column(StrEnumColumn(WebhookOutcome, 16))
    detail: Mapped[str | None] = mapped_column(Text)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_encoding: Mapped[str | None] = mapped_column(String(8))
    """``zlib`` when ``body`` is packed (:func:`engine.db.packing.unpack_body`)."""
    verdict: Mapped[bytes | None] = mapped_column(LargeBinary)
    """While ``received`` (or ``failed``): the provider's verdict, its events to apply
    (msgpack); cleared once they are applied."""
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    """Times applying the verdict failed."""
    apply_after: Mapped[datetime | None] = mapped_column()
    """While ``received``: when to apply it (at once, or after a failed attempt's pause)."""


class EvidenceVersion(Base):
    __tablename__ = "evidence_versions"
    __table_args__ = (UniqueConstraint("dispute_pk", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_pk: Mapped[int] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    version: Mapped[int]
    state: Mapped[EvidenceState] = mapped_column(StrEnumColumn(EvidenceState, 32))
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
    state: Mapped[SubmissionState] = mapped_column(StrEnumColumn(SubmissionState, 16))
    attempts: Mapped[int] = mapped_column(default=0)
    response: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class NotificationRow(Base):
    """One announcement for one channel, about a dispute or an early fraud warning."""

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("notifier", "dedupe_key"),
        CheckConstraint("(dispute_pk IS NULL) <> (fraud_warning_pk IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dispute_pk: Mapped[int | None] = mapped_column(ForeignKey("disputes.id", ondelete="CASCADE"))
    fraud_warning_pk: Mapped[int | None] = mapped_column(
        ForeignKey("early_fraud_warnings.id", ondelete="CASCADE")
    )
    """Set instead of ``dispute_pk`` for an announcement about an early fraud warning."""
    notifier: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    """A ``NotificationKind`` value (text here: the notifier module needs the settings, which
    need this one)."""
    dedupe_key: Mapped[str] = mapped_column(String(255))
    state: Mapped[NotificationState] = mapped_column(
        StrEnumColumn(NotificationState, 16), default=NotificationState.PENDING, index=True
    )
    message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


class SyncRun(Base):
    __tablename__ = "sync_runs"
    __table_args__ = (
        # The worker's "is a sweep due?": the newest finished sweep of a provider, by seek.
        Index("ix_sync_runs_sweeps", "provider", "kind", "finished_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(32), index=True)
    kind: Mapped[SyncKind] = mapped_column(
        StrEnumColumn(SyncKind, 16), default=SyncKind.SYNC, server_default=SyncKind.SYNC.value
    )
    state: Mapped[SyncState] = mapped_column(StrEnumColumn(SyncState, 16))
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
    repairs: Mapped[list[dict[str, str]]] = mapped_column(
        JSONType, default=list, server_default=text("'[]'")
    )
    """What a sweep put right: ``[{"dispute_id", "before", "after"}]`` (statuses), capped."""


class ReconcileLease(Base):
    """Who sweeps a provider now: one row per provider, so one sweep at a time across every
    worker. ``expires_at`` is pushed on while the sweep runs; a lease past it belongs to a
    worker that stopped, and the next worker takes it over (see :mod:`engine.work.sweep_lease`)."""

    __tablename__ = "reconcile_leases"

    provider: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(128))
    expires_at: Mapped[datetime | None]
    run_id: Mapped[int | None]
    """The sync run of the sweep in progress, marked interrupted if the lease is taken over."""
