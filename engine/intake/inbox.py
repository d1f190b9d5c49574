"""The webhook inbox: verified deliveries stored first, their events applied after.

Applying an event costs far more than storing a delivery (it reads the dispute's history and
folds it), so a writer that cannot keep up with arriving webhooks stores them as ``received``
— the body, and the provider's verdict with the events to apply — answers, and applies them
when the requests leave it time (:mod:`engine.intake.webhooks`). This is what Stripe asks of an
endpoint: answer fast, process asynchronously.

Nothing can be lost in between: the delivery is committed before it is answered, and whoever
writes next — this process, or the next one to start after a crash — applies what it finds
``received``. Applying is the dispute book's own batch (:func:`apply_deliveries`), and a
dispute's state is the fold of the *set* of its events, so a delivery applied from the inbox
ends exactly as one applied on arrival, in whatever order they come. On PostgreSQL several
processes may apply at once: each takes rows no other holds (``SKIP LOCKED``).

A delivery whose events cannot be applied (an event about a dispute nothing describes yet) is
retried after the pauses in :data:`RETRY_PAUSES`, then kept as ``failed`` for a person.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import timedelta

import msgspec
from sqlalchemy import Connection, func, insert, select, text, update
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.models import WebhookDelivery, WebhookOutcome
from engine.disputes.batch import DELIVERIES, Delivery, apply_deliveries, delivery_row
from engine.disputes.ingest import DisputeBook
from engine.disputes.outcomes import DeliveryOutcome
from engine.plugins.provider import Accepted, Ignored

log = logging.getLogger("disputes.inbox")

RETRY_PAUSES = (
    timedelta(minutes=1),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=6),
    timedelta(days=1),
    timedelta(days=3),
)
"""How long a delivery that could not be applied waits before each retry: the other events of
its dispute usually arrive within seconds, and Stripe itself retries for three days."""

WAITING = text("webhook_deliveries.outcome = 'received'")
"""The inbox's rows, written as a literal: only a query that repeats the partial index's own
condition may use it (a bound parameter proves nothing to SQLite's or PostgreSQL's planner)."""

_encode = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(Accepted).decode


def store_received(connection: Connection, deliveries: Sequence[Delivery]) -> list[DeliveryOutcome]:
    """Store ``deliveries`` without applying them: those with events to apply as
    ``received`` (the verdict kept beside the body), the others with their final outcome."""
    now = utcnow()
    rows = []
    outcomes = []
    for delivery in deliveries:
        verdict = delivery.verdict
        if isinstance(verdict, Accepted):
            row = delivery_row(delivery, WebhookOutcome.RECEIVED, now)
            row.update(verdict=_encode(verdict), apply_after=now)
            outcomes.append(DeliveryOutcome(WebhookOutcome.RECEIVED))
        else:
            outcome = (
                WebhookOutcome.IGNORED if isinstance(verdict, Ignored) else WebhookOutcome.REJECTED
            )
            row = delivery_row(delivery, outcome, now)
            outcomes.append(DeliveryOutcome(outcome))
        rows.append(row)
    connection.execute(insert(DELIVERIES), rows)
    return outcomes


def apply_received(book: DisputeBook, limit: int) -> int:
    """Apply up to ``limit`` deliveries waiting in the inbox, oldest first, in one
    transaction; returns how many were taken. Should the batch fail, each is applied on its
    own, and one that fails again waits for its retry."""
    taken: list[tuple[int, Accepted]] = []
    try:
        with book.database.transaction() as session:
            taken = _take(session, limit)
            if taken:
                _apply(book, session, taken)
            return len(taken)
    except Exception as error:
        if not taken:
            raise  # nothing was read: the database itself is failing
        log.warning("applying %d received deliveries failed (%s): one by one", len(taken), error)
    for pk, _ in taken:
        _apply_one(book, pk)
    return len(taken)


def _take(session: Session, limit: int) -> list[tuple[int, Accepted]]:
    rows = session.execute(
        select(WebhookDelivery.id, WebhookDelivery.verdict)
        .where(WAITING, WebhookDelivery.apply_after <= utcnow())
        .order_by(WebhookDelivery.apply_after, WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    return [(row.id, _decode(row.verdict)) for row in rows]


def _apply(book: DisputeBook, session: Session, taken: list[tuple[int, Accepted]]) -> None:
    outcomes = apply_deliveries(book, session, [verdict for _, verdict in taken])
    session.execute(
        update(WebhookDelivery),
        [
            {"id": pk, "outcome": outcome.outcome, "verdict": None, "apply_after": None}
            for (pk, _), outcome in zip(taken, outcomes, strict=True)
        ],
    )


def _apply_one(book: DisputeBook, pk: int) -> None:
    try:
        with book.database.transaction() as session:
            row = session.scalars(
                select(WebhookDelivery)
                .where(WebhookDelivery.id == pk, WebhookDelivery.outcome == WebhookOutcome.RECEIVED)
                .with_for_update(skip_locked=True)
            ).first()
            if row is None or row.verdict is None:
                return  # applied meanwhile by another process
            _apply(book, session, [(pk, _decode(row.verdict))])
    except Exception as error:  # noqa: BLE001 - recorded on the delivery, retried later
        _postpone(book, pk, error)


def _postpone(book: DisputeBook, pk: int, error: Exception) -> None:
    with book.database.transaction() as session:
        row = session.get(WebhookDelivery, pk, with_for_update=True)
        if row is None or row.outcome != WebhookOutcome.RECEIVED:
            return
        row.attempts += 1
        row.detail = f"could not be applied: {error}"[:1000]
        if row.attempts > len(RETRY_PAUSES):
            row.outcome, row.apply_after = WebhookOutcome.FAILED, None
            log.error(
                "%s delivery %s (%s) could not be applied after %d attempts: %s",
                row.provider,
                row.event_id,
                row.event_type,
                row.attempts,
                error,
            )
        else:
            row.apply_after = utcnow() + RETRY_PAUSES[row.attempts - 1]
            log.warning(
                "%s delivery %s (%s) could not be applied, retried in %s: %s",
                row.provider,
                row.event_id,
                row.event_type,
                RETRY_PAUSES[row.attempts - 1],
                error,
            )


def anything_due(session: Session) -> bool:
    """Whether a delivery is due to be applied: one read on the inbox's index, so that an idle
    writer looking now and then takes no write lock."""
    due = session.scalar(
        select(WebhookDelivery.id).where(WAITING, WebhookDelivery.apply_after <= utcnow()).limit(1)
    )
    return due is not None


def wait_until_applied(database: Database, timeout: float = 30.0) -> None:
    """Return once the inbox is empty (tests, benchmarks); TimeoutError if it is not within
    ``timeout`` seconds. Whoever applies it — this process or another — does not matter."""
    deadline = time.monotonic() + timeout
    while True:
        with database.reading() as session:
            if backlog(session) == 0:
                return
        if time.monotonic() > deadline:
            raise TimeoutError(f"the webhook inbox is not empty after {timeout} s")
        time.sleep(0.02)


def backlog(session: Session) -> int:
    """How many deliveries wait in the inbox (counted on its own small index)."""
    return int(
        session.scalar(select(func.count()).select_from(WebhookDelivery).where(WAITING)) or 0
    )
