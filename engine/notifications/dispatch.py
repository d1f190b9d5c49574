"""Sending the notification outbox: each row is claimed, sent, and recorded as sent.

A row is claimed by pushing its ``next_attempt_at`` a lease ahead inside a locked transaction
(``SKIP LOCKED`` on PostgreSQL), so two workers never send the same row at once. The send
happens outside any transaction; only its outcome is written afterwards. A worker that dies
between the channel accepting the message and the "sent" record leaves the row to be retried
after the lease — the one gap no channel without idempotency keys (Telegram) lets us close.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.fraud_warnings import EarlyFraudWarning
from engine.db.models import Dispute, NotificationRow, NotificationState
from engine.db.records import read_state
from engine.errors import ProviderRejected, ProviderUnavailable
from engine.fraud_warnings.records import view_of
from engine.notifications.notifier import (
    Announcement,
    FraudWarningNotification,
    Notification,
    NotificationKind,
    NotifierThrottled,
)
from engine.runtime import Runtime
from engine.work.backoff import Backoff

log = logging.getLogger("disputes.notify")


@dataclass(frozen=True)
class DeliveryPolicy(Backoff):
    """Retries for notifications: the engine's backoff, a channel's own ``retry_after`` wins."""

    max_attempts: int = 8
    first_delay: timedelta = timedelta(seconds=10)
    lease: timedelta = timedelta(minutes=2)
    batch: int = 20


def send_due_notifications(runtime: Runtime, worker_id: str, policy: DeliveryPolicy) -> int:
    """Send up to ``policy.batch`` due notifications; returns how many were attempted."""
    attempted = 0
    while attempted < policy.batch:
        claimed = _claim(runtime, policy)
        if claimed is None:
            break
        attempted += 1
        _send(runtime, claimed, policy)
    return attempted


@dataclass(frozen=True)
class _Claimed:
    row_id: int
    notifier: str
    attempts: int
    notification: Announcement


def _claim(runtime: Runtime, policy: DeliveryPolicy) -> _Claimed | None:
    now = utcnow()
    due = or_(NotificationRow.next_attempt_at.is_(None), NotificationRow.next_attempt_at <= now)
    with runtime.database.transaction() as session:
        while True:
            row = session.scalars(
                select(NotificationRow)
                .where(NotificationRow.state == NotificationState.PENDING, due)
                .order_by(NotificationRow.id)
                .limit(1)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None:
                return None
            row.attempts += 1
            row.next_attempt_at = now + policy.lease
            if row.notifier in runtime.notifiers:
                break
            # Announced while the channel was configured, and it no longer is.
            row.state, row.last_error = (
                NotificationState.FAILED,
                f"notifier {row.notifier!r} is not configured",
            )
            session.flush()
        return _Claimed(row.id, row.notifier, row.attempts, _announcement(runtime, session, row))


def _announcement(runtime: Runtime, session: Session, row: NotificationRow) -> Announcement:
    """What the row announces, read now: about its warning, or about its dispute."""
    if row.fraud_warning_pk is not None:
        warning = session.get_one(EarlyFraudWarning, row.fraud_warning_pk)
        return FraudWarningNotification(
            warning=view_of(warning), dashboard_url=_link(runtime, "/early-fraud-warnings")
        )
    dispute = session.get_one(Dispute, row.dispute_pk)
    return Notification(
        kind=NotificationKind(row.kind),
        dispute=read_state(dispute),
        detail=row.message,
        dashboard_url=_dashboard_url(runtime, dispute),
    )


def _send(runtime: Runtime, claimed: _Claimed, policy: DeliveryPolicy) -> None:
    notifier = runtime.notifiers[claimed.notifier]
    error: str | None = None
    retry_after: float | None = None
    final = False
    try:
        notifier.send(claimed.notification)
    except NotifierThrottled as throttled:
        error, retry_after = str(throttled), throttled.retry_after
    except ProviderUnavailable as unavailable:
        error = str(unavailable)
    except ProviderRejected as rejected:
        error, final = str(rejected), True
    except Exception as unexpected:
        log.exception("notifier %s failed unexpectedly", claimed.notifier)
        error = f"{type(unexpected).__name__}: {unexpected}"
    with runtime.database.transaction() as session:
        row = session.get_one(NotificationRow, claimed.row_id)
        if error is None:
            row.state, row.sent_at, row.last_error = NotificationState.SENT, utcnow(), None
            row.next_attempt_at = None
            return
        row.last_error = error[:2000]
        if final or claimed.attempts >= policy.max_attempts:
            row.state = NotificationState.FAILED
            log.error(
                "notification %s via %s given up after %d attempt(s): %s",
                claimed.row_id,
                claimed.notifier,
                claimed.attempts,
                error,
            )
            return
        delay = policy.delay(
            claimed.attempts, None if retry_after is None else timedelta(seconds=retry_after)
        )
        row.next_attempt_at = utcnow() + delay
        log.warning(
            "notification %s via %s failed (attempt %d), retrying in %s: %s",
            claimed.row_id,
            claimed.notifier,
            claimed.attempts,
            delay,
            error,
        )


def _dashboard_url(runtime: Runtime, dispute: Dispute) -> str | None:
    """A link to the dispute's page when ``DISPUTES_PUBLIC_URL`` says where the app is served.
    It never carries the dashboard key."""
    return _link(
        runtime,
        f"/disputes/{quote(dispute.provider, safe='')}/{quote(dispute.dispute_id, safe='')}",
    )


def _link(runtime: Runtime, path: str) -> str | None:
    base = runtime.settings.get("PUBLIC_URL")
    if base is None:
        return None
    return f"{base.rstrip('/')}{path}"
