"""The words of a notification, in plain text: one place, shared by every channel.

Plain text on purpose: dispute fields (customer names, reasons) come from outside, and a channel
that renders markup would let them format — or forge — the message.
"""

from __future__ import annotations

from datetime import datetime

from engine.disputes.model import DisputeState, Status
from engine.disputes.money import format_amount
from engine.notifications.fraud_warning_words import render_fraud_warning
from engine.notifications.notifier import (
    Announcement,
    FraudWarningNotification,
    Notification,
    NotificationKind,
)

_OUTCOME_MARK = {Status.WON: "✅", Status.LOST: "❌"}


def render(notification: Announcement) -> str:
    if isinstance(notification, FraudWarningNotification):
        return render_fraud_warning(notification)
    dispute = notification.dispute
    lines = [_headline(notification), _who(dispute)]
    if notification.kind is NotificationKind.NEW_DISPUTE:
        lines.append(f"Reason: {_reason(dispute)}")
        lines.append(f"Respond by: {_when(dispute.respond_by)}")
    elif notification.kind is NotificationKind.MANUAL_REQUIRED:
        lines.append("The evidence packet is ready: send it to the processor by hand.")
        lines.append(f"Respond by: {_when(dispute.respond_by)}")
    elif notification.kind is NotificationKind.NEEDS_ATTENTION and notification.detail:
        lines.append(f"Problem: {notification.detail}")
    elif notification.kind is NotificationKind.REVIEW_NEEDED and notification.detail:
        lines.append(f"Review needed: {notification.detail}")
        lines.append(f"Respond by: {_when(dispute.respond_by)}")
    elif notification.kind is NotificationKind.REMINDER:
        lines.append(f"Reason: {_reason(dispute)}")
        # The detail was written when the reminder was due: the deadline in the merchant's
        # time zone and the time then left.
        lines.append(notification.detail or f"Respond by: {_when(dispute.respond_by)}")
    elif notification.kind is NotificationKind.SUBMITTED and notification.detail:
        lines.append(notification.detail)
    if notification.dashboard_url:
        lines.append(notification.dashboard_url)
    return "\n".join(lines)


def _headline(notification: Notification) -> str:
    dispute = notification.dispute
    kind = notification.kind
    if kind is NotificationKind.NEW_DISPUTE:
        return f"New {dispute.stage.value.replace('_', ' ')}: {_amount(dispute)}"
    if kind is NotificationKind.SUBMITTED:
        return f"Evidence submitted: {_amount(dispute)}"
    if kind is NotificationKind.MANUAL_REQUIRED:
        return f"Manual submission needed: {_amount(dispute)}"
    if kind is NotificationKind.REVIEW_NEEDED:
        return f"Review needed: {_amount(dispute)}"
    if kind is NotificationKind.REMINDER:
        return f"⏰ Not answered yet, deadline near: {_amount(dispute)}"
    if kind is NotificationKind.OUTCOME:
        outcome = _outcome(notification)
        mark = _OUTCOME_MARK.get(outcome, "⚠️") if outcome else "⚠️"
        word = outcome.value if outcome else (notification.detail or dispute.status.value)
        return f"{mark} Dispute {word}: {_amount(dispute)}"
    return f"⚠️ Needs attention: {_amount(dispute)}"


def _outcome(notification: Notification) -> Status | None:
    """The outcome announced (kept on the row: the dispute may have moved on since)."""
    try:
        return Status(notification.detail) if notification.detail else notification.dispute.status
    except ValueError:
        return None


def _who(dispute: DisputeState) -> str:
    customer = dispute.customer_email or dispute.customer_name
    suffix = f" · {customer}" if customer else ""
    return f"{dispute.provider} {dispute.dispute_id}{suffix}"


def _amount(dispute: DisputeState) -> str:
    return f"{format_amount(dispute.money.amount)} {dispute.money.currency}"


def _reason(dispute: DisputeState) -> str:
    raw = dispute.provider_reason
    if raw and raw != dispute.reason:
        return f"{dispute.reason} ({raw})"
    return dispute.reason


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "not given by the processor"
    return moment.strftime("%Y-%m-%d %H:%M UTC")
