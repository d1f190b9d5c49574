"""What applying an event or a webhook delivery did, as the book reports it to its callers and
to the hooks that run inside its transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec
from sqlalchemy.orm import Session

from engine.db.models import Dispute, WebhookOutcome
from engine.disputes.model import DisputeState


@dataclass(frozen=True)
class EventOutcome:
    """What one event did to its dispute."""

    dispute_pk: int
    event_id: str
    duplicate: bool
    new_dispute: bool
    before: DisputeState | None
    after: DisputeState
    queued: bool = False
    """Whether evidence work was queued for the dispute by this event."""

    @property
    def changed(self) -> bool:
        """Whether the dispute changed in a way a person would call a change. The time of the
        latest event and the processor's raw object move with every event, even one that only
        repeats what was known (a sync re-reading an unchanged dispute): they do not count."""
        return self.before is None or _material(self.before) != _material(self.after)


@dataclass
class DeliveryOutcome:
    outcome: WebhookOutcome
    events: list[EventOutcome] = field(default_factory=list)


def _material(state: DisputeState) -> DisputeState:
    return msgspec.structs.replace(state, last_event_at=_EPOCH, raw_dispute=None)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

AfterApply = Callable[[Session, Dispute, EventOutcome], None]
"""Called inside the transaction after each event, to queue evidence work and notifications."""
