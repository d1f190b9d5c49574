"""The notification outbox: announcements are rows written in the same transaction as the
change they announce, and sent later by the worker — never from a webhook request, and at most
once per channel (unique on notifier + dedupe key)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from engine.db import dialect
from engine.db.base import utcnow
from engine.db.fraud_warnings import EarlyFraudWarning
from engine.db.models import Dispute, NotificationRow, NotificationState
from engine.notifications.notifier import NotificationKind


def announce(
    session: Session,
    notifiers: Iterable[str],
    dispute: Dispute,
    kind: NotificationKind,
    key: str,
    detail: str | None = None,
) -> None:
    """Queue one announcement about ``dispute`` for every channel in ``notifiers``.

    ``key`` names the occasion within the kind (the outcome, the evidence version…): the same
    (kind, key) for the same dispute is announced once, however often it is queued.
    """
    unique = dedupe_key(dispute, kind, key)
    for notifier in notifiers:
        session.execute(
            dialect.insert(session, NotificationRow)
            .values(
                dispute_pk=dispute.id,
                notifier=notifier,
                kind=kind.value,
                dedupe_key=unique,
                state=NotificationState.PENDING,
                message=detail,
                attempts=0,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["notifier", "dedupe_key"])
        )


def dedupe_key(dispute: Dispute, kind: NotificationKind, key: str) -> str:
    """The outbox's once-only key for one occasion of ``kind`` about ``dispute``."""
    return f"{dispute.provider}:{dispute.dispute_id}:{kind.value}:{key}"


def announce_fraud_warning(
    session: Session, notifiers: Iterable[str], warning: EarlyFraudWarning, key: str
) -> None:
    """Queue one announcement about an early fraud warning for every channel, once per
    (warning, ``key``) however often it is queued."""
    unique = f"{warning.provider}:efw:{warning.warning_id}:{key}"
    for notifier in notifiers:
        session.execute(
            dialect.insert(session, NotificationRow)
            .values(
                fraud_warning_pk=warning.id,
                notifier=notifier,
                kind=NotificationKind.FRAUD_WARNING.value,
                dedupe_key=unique,
                state=NotificationState.PENDING,
                attempts=0,
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["notifier", "dedupe_key"])
        )
