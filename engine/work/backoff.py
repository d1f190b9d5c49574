"""The one backoff rule of the engine: exponential from a first delay, capped.

Dispute work (:class:`engine.work.worker.RetryPolicy`) and notifications
(:class:`engine.notifications.dispatch.DeliveryPolicy`) retry on their own schedules, by the
same rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Backoff:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(seconds=30)
    max_delay: timedelta = timedelta(hours=1)

    def delay(self, attempts: int, at_least: timedelta | None = None) -> timedelta:
        """``first_delay`` doubled per attempt after the first, capped at ``max_delay``; never
        less than ``at_least`` (a channel's own ``retry_after``)."""
        backoff = min(self.first_delay * (1 << max(attempts - 1, 0)), self.max_delay)
        return max(backoff, at_least) if at_least is not None else backoff
