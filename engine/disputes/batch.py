"""Applying a batch of webhook deliveries in one transaction: what a group commit folds.

The rules are :meth:`DisputeBook.apply`'s, event by event in the batch's order, so each hook
sees exactly what one-by-one application would have shown it; only the round trips are shared.
One query locks the batch's disputes, one finds which of its events are stored already, one
reads the stored events of the disputes that change, one inserts the new events and one the
deliveries; the tallies move once per batch, and each dispute's raw object is compressed once.

Anything unexpected — an event that describes no dispute yet, an event id stored meanwhile —
raises, and nothing of the batch is kept: the caller then applies its deliveries one by one,
so one bad delivery fails alone (:class:`engine.intake.group_commit.GroupCommit`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from engine.db import dialect
from engine.db.base import Base, utcnow
from engine.db.models import Dispute, DisputeEventRow, EventSource, WebhookDelivery, WebhookOutcome
from engine.db.packing import ZLIB, pack_body
from engine.db.records import (
    decode_stored,
    event_row,
    new_dispute_values,
    read_state,
    write_raw,
    write_state,
)
from engine.disputes.lifecycle import fold
from engine.disputes.model import DisputeEvent, DisputeState
from engine.disputes.outcomes import DeliveryOutcome, EventOutcome
from engine.plugins.provider import Accepted, Ignored, Rejected
from engine.stats import tallies
from engine.work.policy import queue_response_if_needed

if TYPE_CHECKING:
    from engine.disputes.ingest import DisputeBook

Key = tuple[str, str]
"""(provider, dispute id)"""


@dataclass(frozen=True)
class Delivery:
    """One verified webhook delivery waiting to be stored: the provider's verdict on it and
    the body as received."""

    provider: str
    verdict: Accepted | Ignored | Rejected
    body: bytes


DELIVERIES = Base.metadata.tables[WebhookDelivery.__tablename__]
"""The deliveries' table, for Core inserts: the ORM's bulk insert costs a request ~15 µs more
per row, and the request path waits for these."""


class BatchConflict(RuntimeError):
    """The batch met something only one-by-one application decides (see the module)."""


def apply_batch(
    book: DisputeBook, session: Session, deliveries: Sequence[Delivery]
) -> list[DeliveryOutcome]:
    """Store ``deliveries`` and apply their events inside the caller's transaction."""
    outcomes = apply_deliveries(book, session, [delivery.verdict for delivery in deliveries])
    now = utcnow()
    session.connection().execute(
        insert(DELIVERIES),
        [
            delivery_row(delivery, outcome.outcome, now)
            for delivery, outcome in zip(deliveries, outcomes, strict=True)
        ],
    )
    return outcomes


def apply_deliveries(
    book: DisputeBook, session: Session, verdicts: Sequence[Accepted | Ignored | Rejected]
) -> list[DeliveryOutcome]:
    """Apply the events of deliveries' ``verdicts`` inside the caller's transaction (the
    deliveries' own rows are the caller's: new ones on arrival, the inbox's later)."""
    events = [
        event for verdict in verdicts if isinstance(verdict, Accepted) for event in verdict.events
    ]
    fold_ = _Fold(book, session, events)
    outcomes: list[DeliveryOutcome] = []
    for verdict in verdicts:
        if isinstance(verdict, Rejected):
            outcomes.append(DeliveryOutcome(WebhookOutcome.REJECTED))
        elif isinstance(verdict, Ignored):
            outcomes.append(DeliveryOutcome(WebhookOutcome.IGNORED))
        else:
            applied = [fold_.apply(event) for event in verdict.events]
            duplicate = bool(applied) and all(outcome.duplicate for outcome in applied)
            outcome = WebhookOutcome.DUPLICATE if duplicate else WebhookOutcome.APPLIED
            outcomes.append(DeliveryOutcome(outcome, applied))
    fold_.finish()
    return outcomes


def delivery_row(
    delivery: Delivery, outcome: WebhookOutcome, received_at: datetime
) -> dict[str, object]:
    """The columns of a delivery's new row: its body compressed, what the engine made of it."""
    verdict = delivery.verdict
    return {
        "provider": delivery.provider,
        "body": pack_body(delivery.body),
        "body_encoding": ZLIB,
        "received_at": received_at,
        "event_id": None if isinstance(verdict, Rejected) else verdict.event_id,
        "event_type": None if isinstance(verdict, Rejected) else verdict.event_type,
        "outcome": outcome,
        "detail": None if isinstance(verdict, Accepted) else verdict.reason,
        "verdict": None,
        "apply_after": None,
    }


class _Fold:
    """The batch's disputes, locked, with their stored events; applies events in order."""

    def __init__(self, book: DisputeBook, session: Session, events: list[DisputeEvent]) -> None:
        self.book, self.session = book, session
        self.rows, created = _lock_disputes(session, events)
        self.by_pk = {row.id: row for row in self.rows.values()}
        self.stored_ids = _stored_event_ids(session, events)
        self.states: dict[int, DisputeState | None] = {
            row.id: None if key in created else read_state(row) for key, row in self.rows.items()
        }
        changing = {
            self.rows[(event.provider, event.dispute_id)].id
            for event in events
            if (event.provider, event.event_id) not in self.stored_ids
        }
        self.history = _stored_events(session, changing)
        self.tallied: dict[int, tallies.Contribution | None] = {}
        self.new_events: list[dict[str, object]] = []

    def apply(self, event: DisputeEvent) -> EventOutcome:
        row = self.rows[(event.provider, event.dispute_id)]
        before = self.states[row.id]
        if (event.provider, event.event_id) in self.stored_ids:
            if before is None:
                raise BatchConflict(f"event {event.event_id} is stored but its dispute is new")
            return EventOutcome(row.id, event.event_id, True, False, before, before)
        self.stored_ids.add((event.provider, event.event_id))
        if row.id not in self.tallied:
            self.tallied[row.id] = None if before is None else tallies.contribution(row)
        events = self.history[row.id]
        events.append(event)
        after = fold(events)
        if after is None:
            raise BatchConflict(f"no event describes dispute {event.dispute_id} yet")
        write_state(row, after, raw=False)
        queued = queue_response_if_needed(self.session, row, after)
        outcome = EventOutcome(row.id, event.event_id, False, before is None, before, after, queued)
        if outcome.changed:
            row.updated_at = utcnow()
        self.new_events.append(event_row(row.id, event, EventSource.WEBHOOK, outcome.changed))
        self.states[row.id] = after
        for hook in self.book.hooks:
            hook(self.session, row, outcome)
        return outcome

    def finish(self) -> None:
        """Write what the events did: the raw objects, the events, the tallies."""
        for pk in self.tallied:
            state = self.states[pk]
            assert state is not None
            write_raw(self.by_pk[pk], state)
        if self.new_events:
            self.session.execute(insert(DisputeEventRow), self.new_events)
        tallies.record_changes(
            self.session,
            [
                (before, tallies.contribution(self.by_pk[pk]))
                for pk, before in sorted(self.tallied.items())
            ],
        )


def _lock_disputes(
    session: Session, events: list[DisputeEvent]
) -> tuple[dict[Key, Dispute], set[Key]]:
    """The batch's disputes, locked, and which of them this batch creates (from its first
    event about each). Rows are locked in id order, so two batches never wait on each other
    in a circle over existing disputes; should two batches create the same disputes in
    opposite orders, PostgreSQL breaks the tie by failing one, which is then applied one
    delivery at a time."""
    keys = list(dict.fromkeys((event.provider, event.dispute_id) for event in events))
    rows = _select_disputes(session, keys)
    missing = [key for key in keys if key not in rows]
    if not missing:
        return rows, set()
    first: dict[Key, DisputeEvent] = {}
    for event in events:
        first.setdefault((event.provider, event.dispute_id), event)
    created = session.execute(
        dialect.insert(session, Dispute)
        .on_conflict_do_nothing(index_elements=["provider", "dispute_id"])
        .returning(Dispute.provider, Dispute.dispute_id),
        [initial_values(first[key]) for key in missing],
    )
    created_keys: set[Key] = {(row.provider, row.dispute_id) for row in created}
    rows.update(_select_disputes(session, missing))
    return rows, created_keys


def _select_disputes(session: Session, keys: list[Key]) -> dict[Key, Dispute]:
    """The disputes named by ``keys``, locked (one index search per provider)."""
    by_provider: dict[str, list[str]] = defaultdict(list)
    for provider, dispute_id in keys:
        by_provider[provider].append(dispute_id)
    rows: dict[Key, Dispute] = {}
    for provider, dispute_ids in sorted(by_provider.items()):
        found = session.scalars(
            select(Dispute)
            .where(Dispute.provider == provider, Dispute.dispute_id.in_(dispute_ids))
            .order_by(Dispute.id)
            .with_for_update()
        )
        rows.update({(row.provider, row.dispute_id): row for row in found})
    return rows


def initial_values(event: DisputeEvent) -> dict[str, Any]:
    """The row of a dispute that ``event`` is the first news of."""
    initial = fold([event])
    if initial is None:
        raise ValueError(f"event {event.event_id} does not describe dispute {event.dispute_id}")
    return new_dispute_values(initial)


def _stored_event_ids(session: Session, events: list[DisputeEvent]) -> set[Key]:
    """Which of ``events`` are stored already, as (provider, event id)."""
    by_provider: dict[str, set[str]] = defaultdict(set)
    for event in events:
        by_provider[event.provider].add(event.event_id)
    stored: set[Key] = set()
    for provider, event_ids in sorted(by_provider.items()):
        found = session.scalars(
            select(DisputeEventRow.event_id).where(
                DisputeEventRow.provider == provider, DisputeEventRow.event_id.in_(event_ids)
            )
        )
        stored.update((provider, event_id) for event_id in found)
    return stored


def _stored_events(session: Session, dispute_pks: set[int]) -> dict[int, list[DisputeEvent]]:
    """Every stored event of the disputes ``dispute_pks``, decoded, by dispute."""
    history: dict[int, list[DisputeEvent]] = defaultdict(list)
    if dispute_pks:
        stored = session.execute(
            select(
                DisputeEventRow.dispute_pk, DisputeEventRow.packed, DisputeEventRow.payload
            ).where(DisputeEventRow.dispute_pk.in_(sorted(dispute_pks)))
        )
        for row in stored:
            history[row.dispute_pk].append(decode_stored(row.packed, row.payload))
    return history
