"""Notifiers: channels that announce new disputes, submissions, outcomes and early fraud
warnings."""

from __future__ import annotations

import abc
import enum
from typing import ClassVar

import msgspec

from engine.disputes.model import DisputeState
from engine.errors import ProviderUnavailable
from engine.fraud_warnings.model import FraudWarningView
from engine.health.checks import Check, Verdict
from engine.settings import Settings


class NotificationKind(enum.StrEnum):
    NEW_DISPUTE = "new_dispute"
    SUBMITTED = "submitted"
    MANUAL_REQUIRED = "manual_required"
    OUTCOME = "outcome"
    NEEDS_ATTENTION = "needs_attention"
    REVIEW_NEEDED = "review_needed"
    """A version is held: it lacks evidence its reason requires (``detail`` names it)."""
    REMINDER = "reminder"
    """A dispute still unanswered is near its deadline (``detail`` says when, in local time)."""
    FRAUD_WARNING = "fraud_warning"
    """An early fraud warning arrived, and what the engine did about it (a refund or why not)."""


class Notification(msgspec.Struct, frozen=True, kw_only=True):
    kind: NotificationKind
    dispute: DisputeState
    detail: str | None = None
    dashboard_url: str | None = None


class FraudWarningNotification(msgspec.Struct, frozen=True, kw_only=True):
    """An announcement about an early fraud warning (there is no dispute yet, and with a
    refund there never will be)."""

    warning: FraudWarningView
    dashboard_url: str | None = None

    @property
    def kind(self) -> NotificationKind:
        return NotificationKind.FRAUD_WARNING


Announcement = Notification | FraudWarningNotification
"""What a notifier is handed: about a dispute, or about an early fraud warning."""


class Notifier(abc.ABC):
    """A channel. Register the class from ``register_notifiers``."""

    name: ClassVar[str]

    @classmethod
    @abc.abstractmethod
    def from_settings(cls, settings: Settings) -> Notifier | None:
        """Build the channel, or return ``None`` when it is not configured."""

    @abc.abstractmethod
    def send(self, notification: Announcement) -> None:
        """Deliver one notification (tell the kinds apart with ``isinstance``). Called from the
        worker with retries and backoff; raise :class:`engine.errors.ProviderUnavailable` for a
        failure worth retrying and :class:`engine.errors.ProviderRejected` for one that is not."""

    def diagnose(self) -> Check:
        """For ``disputes doctor``: one read call proving the channel's credentials work,
        without sending anything. Report a failure as the check, never raise; no secret in
        ``detail``."""
        return Check(
            name=f"{self.name} notifications",
            verdict=Verdict.SKIPPED,
            detail="this channel has no self-check",
        )

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release network clients at shutdown."""


class NotifierThrottled(ProviderUnavailable):
    """The channel asked us to slow down; ``retry_after`` seconds is its own wish (Telegram's
    429 ``parameters.retry_after``), honoured by the worker's backoff."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
