"""Applying neutral events to the dispute book: one transaction per delivery, never half.

Every event is stored once (unique on provider + event id); the dispute row is then recomputed
as the lifecycle fold of all its stored events, under a lock on that row. Two processes applying
the same event at once therefore leave one event row and one state change.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db import dialect
from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.models import Dispute, DisputeEventRow, EventSource, WebhookOutcome
from engine.db.records import (
    decode_event,
    event_row,
    new_delivery,
    read_state,
    write_state,
)
from engine.disputes.batch import Delivery, apply_batch, initial_values
from engine.disputes.lifecycle import fold
from engine.disputes.model import DisputeEvent
from engine.disputes.outcomes import AfterApply, DeliveryOutcome, EventOutcome
from engine.plugins.provider import Accepted, Ignored, Rejected
from engine.stats import tallies
from engine.work.policy import queue_response_if_needed


class DisputeBook:
    """The engine's record of disputes and their events."""

    def __init__(self, database: Database, after_apply: Sequence[AfterApply] = ()) -> None:
        self.database = database
        self.hooks = list(after_apply)

    def record_delivery(
        self, provider: str, verdict: Accepted | Ignored | Rejected, body: bytes
    ) -> DeliveryOutcome:
        """Store one webhook delivery and apply what it says, in one transaction."""
        with self.database.transaction() as session:
            delivery = new_delivery(provider, body, WebhookOutcome.IGNORED)
            session.add(delivery)
            if isinstance(verdict, Rejected):
                delivery.outcome, delivery.detail = WebhookOutcome.REJECTED, verdict.reason
                return DeliveryOutcome(WebhookOutcome.REJECTED)
            delivery.event_id, delivery.event_type = verdict.event_id, verdict.event_type
            if isinstance(verdict, Ignored):
                delivery.detail = verdict.reason
                return DeliveryOutcome(WebhookOutcome.IGNORED)
            outcomes = [
                self.apply(session, event, source=EventSource.WEBHOOK) for event in verdict.events
            ]
            duplicate = bool(outcomes) and all(outcome.duplicate for outcome in outcomes)
            delivery.outcome = WebhookOutcome.DUPLICATE if duplicate else WebhookOutcome.APPLIED
            return DeliveryOutcome(delivery.outcome, outcomes)

    def record_batch(self, deliveries: Sequence[Delivery]) -> list[DeliveryOutcome]:
        """Store many deliveries and apply their events in one transaction, with the same
        outcome as :meth:`record_delivery` one by one (:mod:`engine.disputes.batch`)."""
        with self.database.transaction() as session:
            return apply_batch(self, session, deliveries)

    def apply_one(self, event: DisputeEvent, *, source: EventSource) -> EventOutcome:
        """Apply one event in its own transaction (sync, the engine's own acts)."""
        with self.database.transaction() as session:
            return self.apply(session, event, source=source)

    def apply(self, session: Session, event: DisputeEvent, *, source: EventSource) -> EventOutcome:
        """Apply ``event`` inside the caller's transaction."""
        row, new_dispute = self._lock_dispute(session, event)
        before = None if new_dispute else read_state(row)
        inserted = self._insert_event(session, row, event, source)
        if not inserted:
            assert before is not None
            return EventOutcome(row.id, event.event_id, True, False, before, before)
        tallied = None if new_dispute else tallies.contribution(row)
        stored = session.scalars(
            select(DisputeEventRow).where(DisputeEventRow.dispute_pk == row.id)
        ).all()
        after = fold(decode_event(stored_row) for stored_row in stored)
        if after is None:  # only money-only events so far: nothing describes the dispute yet
            raise ValueError(f"no event describes dispute {event.dispute_id} yet")
        write_state(row, after)
        tallies.record_change(session, tallied, tallies.contribution(row))
        queued = queue_response_if_needed(session, row, after)
        outcome = EventOutcome(row.id, event.event_id, False, new_dispute, before, after, queued)
        if outcome.changed:
            row.updated_at = utcnow()
        inserted.applied = outcome.changed
        for hook in self.hooks:
            hook(session, row, outcome)
        return outcome

    def _lock_dispute(self, session: Session, event: DisputeEvent) -> tuple[Dispute, bool]:
        """The dispute's row, locked for this transaction; created from ``event`` if new."""
        key = (Dispute.provider == event.provider, Dispute.dispute_id == event.dispute_id)
        existing = session.scalars(select(Dispute).where(*key).with_for_update()).first()
        if existing is not None:
            return existing, False
        statement = (
            dialect.insert(session, Dispute)
            .values(**initial_values(event))
            .on_conflict_do_nothing(index_elements=["provider", "dispute_id"])
            .returning(Dispute.id)
        )
        created = session.execute(statement).scalar_one_or_none()
        row = session.scalars(
            select(Dispute).where(*key).with_for_update().execution_options(populate_existing=True)
        ).one()
        return row, created is not None

    def _insert_event(
        self, session: Session, row: Dispute, event: DisputeEvent, source: EventSource
    ) -> DisputeEventRow | None:
        statement = (
            dialect.insert(session, DisputeEventRow)
            .values(**event_row(row.id, event, source, applied=False))
            .on_conflict_do_nothing(index_elements=["provider", "event_id"])
            .returning(DisputeEventRow.id)
        )
        event_pk = session.execute(statement).scalar_one_or_none()
        if event_pk is None:
            return None
        return session.get(DisputeEventRow, event_pk)
