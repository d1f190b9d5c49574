"""Deadline reminders: a dispute still unanswered is announced once per threshold of
``DISPUTES_REMIND_BEFORE_HOURS`` before its ``respond_by``.

The worker calls :func:`queue_reminders` with its clock. It reads the disputes due within the
largest threshold through ``ix_disputes_due`` (status, respond_by), the keys already in the
outbox through its unique index, and queues only what is missing; the outbox's uniqueness on
notifier + dedupe key is what makes a reminder once-only across any number of workers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.db.models import Dispute, EvidenceState, NotificationRow
from engine.disputes.model import Status
from engine.notifications.notifier import NotificationKind
from engine.notifications.outbox import announce, dedupe_key
from engine.runtime import Runtime

BATCH = 200


def due_threshold(thresholds: tuple[int, ...], respond_by: datetime, now: datetime) -> int | None:
    """The tightest threshold (hours) the deadline is already within, or ``None``.

    Only the tightest: a dispute that arrives 20 hours before its deadline gets the 24-hour
    reminder, not a stale "72 hours" one as well.
    """
    left = respond_by - now
    if left <= timedelta(0):
        return None
    crossed = [hours for hours in thresholds if left <= timedelta(hours=hours)]
    return min(crossed) if crossed else None


def queue_reminders(runtime: Runtime, now: datetime) -> int:
    """Queue the reminders now due; returns how many disputes got one."""
    thresholds = runtime.settings.remind_before_hours
    notifiers = list(runtime.notifiers)
    if not thresholds or not notifiers:
        return 0
    statement = (
        select(Dispute)
        .where(
            Dispute.status == Status.NEEDS_RESPONSE,
            Dispute.respond_by > now,
            Dispute.respond_by <= now + timedelta(hours=max(thresholds)),
            Dispute.evidence_state != EvidenceState.SUBMITTED,
        )
        .order_by(Dispute.respond_by)
        .limit(BATCH)
    )
    zone = runtime.settings.timezone
    with runtime.database.transaction() as session:
        wanted: dict[str, tuple[Dispute, int]] = {}
        for dispute in session.scalars(statement):
            assert dispute.respond_by is not None  # the query's condition
            hours = due_threshold(thresholds, dispute.respond_by, now)
            if hours is not None:
                key = dedupe_key(dispute, NotificationKind.REMINDER, f"{hours}h")
                wanted[key] = (dispute, hours)
        if not wanted:
            return 0
        present = set(
            session.scalars(
                select(NotificationRow.dedupe_key).where(
                    NotificationRow.notifier.in_(notifiers),
                    NotificationRow.dedupe_key.in_(list(wanted)),
                )
            )
        )
        queued = 0
        for key, (dispute, hours) in wanted.items():
            if key in present:
                continue
            assert dispute.respond_by is not None
            announce(
                session,
                notifiers,
                dispute,
                NotificationKind.REMINDER,
                key=f"{hours}h",
                detail=reminder_detail(dispute.respond_by, now, zone),
            )
            queued += 1
        return queued


def reminder_detail(respond_by: datetime, now: datetime, zone: ZoneInfo) -> str:
    """``"Respond by: Tue 08 Dec 2026 15:00 CET (Europe/Berlin)\\nTime left: 1 day 2 hours"``."""
    local = respond_by.astimezone(zone)
    when = f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({zone.key})"
    return f"Respond by: {when}\nTime left: {time_left(respond_by - now)}"


def time_left(left: timedelta) -> str:
    """Days and hours, or hours and minutes under a day, or minutes under an hour (rounded
    down: a reminder must never promise more time than there is)."""
    minutes = max(int(left.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        parts = [_plural(days, "day"), _plural(hours, "hour") if hours else ""]
    elif hours:
        parts = [_plural(hours, "hour"), _plural(minutes, "minute") if minutes else ""]
    else:
        parts = [_plural(minutes, "minute")]
    return " ".join(part for part in parts if part)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
