"""Where a verified webhook delivery goes: stored and applied at once while the engine keeps
up, stored first and applied moments later when it does not.

Every delivery joins a group commit (:class:`engine.intake.group_commit.GroupCommit`): the
requests in flight share one transaction and are answered once it has committed. A small
batch — the usual trickle — is stored *and* applied in that transaction, so its answer says
what it did and the dispute shows it at once. A large batch means webhooks arrive faster than
they can be applied: then the batch is only stored, in the inbox (:mod:`engine.intake.inbox`),
and answered ``received``; the same thread applies the inbox whenever no request is waiting
(and a little even under a steady stream), and later batches keep going to the inbox until it
is empty again, so the answers stay fast through a burst and the disputes catch up after it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from engine.disputes.batch import Delivery
from engine.disputes.ingest import DisputeBook
from engine.disputes.outcomes import DeliveryOutcome
from engine.intake.group_commit import GroupCommit
from engine.intake.inbox import (
    anything_due,
    apply_received,
    store_received,
    wait_until_applied,
)

APPLY_AT_ONCE = 4
"""The largest batch stored and applied in one go: a larger one goes to the inbox."""
APPLY_BATCH = 32
"""Deliveries the inbox applies per transaction while no request comes."""
APPLY_UNDER_LOAD = 4
"""… and while requests still come (it is starving): ~5 ms, the most a request waits for it."""
CHECK_EVERY = 5.0
"""Seconds between looks at an empty inbox, for what another process left in it."""


class WebhookIntake:
    """The one writer of a process's webhook deliveries."""

    def __init__(self, book: DisputeBook) -> None:
        self.book = book
        self.inbox_in_use = False
        self._held: Connection | None = None
        self.commit: GroupCommit[Delivery, DeliveryOutcome] = GroupCommit(
            self._write_batch, self._write_one, idle=self._apply_inbox, name="webhook-intake"
        )

    async def submit(self, delivery: Delivery) -> DeliveryOutcome:
        return await self.commit.submit(delivery)

    def start(self) -> None:
        self.commit.start()

    def close(self) -> None:
        self.commit.close()
        if self._held is not None:
            self._held.close()
            self._held = None

    def settle(self, timeout: float = 30.0) -> None:
        """Wait until the inbox is empty (tests, benchmarks); TimeoutError if it is not."""
        wait_until_applied(self.book.database, timeout)

    def _write_batch(self, deliveries: Sequence[Delivery]) -> list[DeliveryOutcome]:
        if not self.inbox_in_use and len(deliveries) <= APPLY_AT_ONCE:
            return self.book.record_batch(deliveries)
        connection = self._connection()
        with connection.begin():
            outcomes = store_received(connection, deliveries)
        self.inbox_in_use = True
        self.commit.wants_idle()
        return outcomes

    def _connection(self) -> Connection:
        """The writer's own connection, kept between batches: a pooled one would be checked
        out — and, on PostgreSQL, pinged — for every batch. A broken one is replaced."""
        if self._held is None or self._held.closed or self._held.invalidated:
            if self._held is not None:
                self._held.close()
            self._held = self.book.database.engine.connect()
        return self._held

    def _write_one(self, delivery: Delivery) -> DeliveryOutcome:
        return self.book.record_delivery(delivery.provider, delivery.verdict, delivery.body)

    def _apply_inbox(self, quiet: bool = True) -> float | None:
        if not self.inbox_in_use:
            with self.book.database.reading() as session:
                if not anything_due(session):
                    return CHECK_EVERY
        limit = APPLY_BATCH if quiet else APPLY_UNDER_LOAD
        taken = apply_received(self.book, limit)
        self.inbox_in_use = taken >= limit
        return 0.0 if self.inbox_in_use else CHECK_EVERY
