"""What the engine announces on its own as disputes change: a new dispute, and an outcome.

Runs as an :data:`engine.disputes.ingest.AfterApply` hook, inside the transaction that applied
the event, so an announcement exists exactly when the change it announces does — whether the
change came from a webhook or from a sync. Sending happens later, in the worker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.models import Dispute
from engine.disputes.outcomes import AfterApply, EventOutcome
from engine.errors import DisputeEngineError
from engine.notifications.notifier import NotificationKind
from engine.notifications.outbox import announce

log = logging.getLogger("disputes.notify")

HISTORY = timedelta(days=7)
"""A dispute first seen already closed, with nothing newer than this, is history (the first
backfill of an old account), not news: it is recorded without a message."""


def announcer(notifiers: Callable[[], Iterable[str]]) -> AfterApply:
    """The after-apply hook announcing through every configured notifier: ``notifiers()`` names
    them (the runtime builds them on first use and may raise for a broken setting)."""

    def announce_changes(session: Session, row: Dispute, outcome: EventOutcome) -> None:
        if outcome.duplicate:
            return
        try:
            channels = list(notifiers())
        except DisputeEngineError as error:
            # Start-up checks the notifier settings; should one still be broken, the change
            # is recorded all the same — an announcement never costs a webhook.
            log.error("notifications are off: %s", error)
            return
        if not channels:
            return
        after = outcome.after
        if outcome.new_dispute and after.status.is_final and _is_history(outcome):
            return
        if outcome.new_dispute:
            announce(session, channels, row, NotificationKind.NEW_DISPUTE, key="new")
        before = outcome.before
        became_final = after.status.is_final and (
            before is None or before.status != after.status or before.stage != after.stage
        )
        if became_final:
            announce(
                session,
                channels,
                row,
                NotificationKind.OUTCOME,
                key=f"{after.stage.value}:{after.status.value}",
                detail=after.status.value,
            )

    return announce_changes


def _is_history(outcome: EventOutcome) -> bool:
    return outcome.after.last_event_at < utcnow() - HISTORY
