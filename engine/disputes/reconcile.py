"""The reconciliation sweep: re-read every open dispute of a provider and apply what it says
through the book, as a ``reconcile`` event — the same fold as webhooks, so a duplicate or a late
webhook changes nothing twice, and a missed one is repaired.

Reads are paced by a :class:`TokenBucket` under the processor's rate limit (Stripe: 25 reads a
second by default). The SDK already retries a 429 after its ``Retry-After`` and a 5xx; a read
that still fails is retried here with backoff, then recorded on the run and the sweep goes on.
The run is kept as a sync run (``GET /api/sync`` and the dashboard's last-sync line): ``seen``
is how many were read, ``updated`` how many were repaired.

Not done yet: the lease that keeps one sweep at a time across workers, the worker's schedule
(``DISPUTES_RECONCILE_INTERVAL_SECONDS``) and the listing of new disputes since the last sweep.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select

from engine.db.models import Dispute, EventSource, SyncState
from engine.disputes.model import DisputeEvent, Status
from engine.disputes.sync import MAX_RECORDED_ERRORS, SyncReport, save_run, start_run
from engine.errors import DisputeEngineError, ProviderUnavailable
from engine.runtime import Runtime

log = logging.getLogger("disputes.reconcile")

OPEN_STATUSES = tuple(status for status in Status if not status.is_final)
PAGE = 200


class TokenBucket:
    """At most ``rate`` takes a second on average, ``burst`` at once. ``clock`` (seconds) and
    ``sleep`` are injected, so a test measures the pacing without waiting."""

    def __init__(
        self,
        rate: float,
        burst: int = 1,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs a positive rate and a burst of at least 1")
        self.rate, self.burst = rate, burst
        self.clock, self.sleep = clock, sleep
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> None:
        """Wait until a token is there, then use it."""
        now = self.clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            # Wait for the missing fraction, then spend the token it makes (no second look at
            # the clock: rounding could leave 0.9999… and a wait too small to move the clock).
            self.sleep((1 - self._tokens) / self.rate)
            self._at = max(self.clock(), now + (1 - self._tokens) / self.rate)
            self._tokens = 1.0
        self._tokens -= 1


@dataclass(frozen=True)
class ReadRetry:
    """Retries of one dispute's read after the SDK's own retries gave up: doubled delays."""

    attempts: int = 3
    first_delay: float = 2.0
    sleep: Callable[[float], None] = time.sleep


def reconcile_provider(
    runtime: Runtime,
    provider_id: str,
    *,
    pacing: TokenBucket | None = None,
    retry: ReadRetry | None = None,
) -> SyncReport:
    """Re-read every open dispute of ``provider_id`` and apply its current state."""
    provider = runtime.provider(provider_id)
    bucket = pacing or TokenBucket(rate=25)
    policy = retry or ReadRetry()
    run_id = start_run(runtime, provider_id)
    counts = {"seen": 0, "new": 0, "updated": 0, "queued": 0, "failed": 0}
    errors: list[dict[str, str]] = []
    after = 0
    while True:
        with runtime.database.reading() as session:
            page = session.execute(
                select(Dispute.id, Dispute.dispute_id, Dispute.account)
                .where(Dispute.provider == provider_id, Dispute.status.in_(OPEN_STATUSES))
                .where(Dispute.id > after)
                .order_by(Dispute.id)
                .limit(PAGE)
            ).all()
        if not page:
            break
        for pk, dispute_id, account in page:
            after = pk
            counts["seen"] += 1
            try:
                event = _read(partial(provider.fetch_dispute, dispute_id, account), bucket, policy)
                outcome = runtime.book.apply_one(event, source=EventSource.RECONCILE)
            except DisputeEngineError as error:
                counts["failed"] += 1
                log.error("reconciling %s %s failed: %s", provider_id, dispute_id, error)
                if len(errors) < MAX_RECORDED_ERRORS:
                    errors.append({"dispute_id": dispute_id, "error": str(error)[:500]})
                continue
            if outcome.changed:
                counts["updated"] += 1
                log.info("reconcile repaired %s %s", provider_id, dispute_id)
            counts["queued"] += outcome.queued
        save_run(runtime, run_id, counts, errors, state=SyncState.RUNNING)
    return save_run(runtime, run_id, counts, errors, state=SyncState.FINISHED)


def _read(
    fetch: Callable[[], DisputeEvent], bucket: TokenBucket, policy: ReadRetry
) -> DisputeEvent:
    delay = policy.first_delay
    for attempt in range(1, policy.attempts + 1):
        bucket.take()
        try:
            return fetch()
        except ProviderUnavailable:
            if attempt == policy.attempts:
                raise
            policy.sleep(delay)
            delay *= 2
    raise AssertionError("unreachable")  # pragma: no cover
