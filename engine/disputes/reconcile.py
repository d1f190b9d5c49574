"""The reconciliation sweep: re-read every open dispute of a provider and apply what it says
through the book, as a ``reconcile`` event — the same fold as webhooks, so a duplicate or a late
webhook changes nothing twice, and a missed one is repaired.

Reads are paced by a :class:`TokenBucket` under the processor's rate limit (Stripe: 25 reads a
second by default). The SDK already retries a 429 after its ``Retry-After`` and a 5xx; a read
that still fails is retried here with backoff, then recorded on the run and the sweep goes on.
The run is kept as a sync run of kind ``sweep`` (``GET /api/sync``, the dashboard's sweep
panel): ``seen`` is how many were read, ``updated`` how many were repaired, ``new`` how many the
listing found that the engine did not know, ``repairs`` which ones and from what to what.

With :class:`ListNew` the sweep first lists the disputes opened since the last sweep (Stripe:
``created[gte]``; Paystand: a created-date filter by day), so a dispute whose
``charge.dispute.created`` never arrived appears. The schedule and the one-at-a-time lease are
the worker's (:mod:`engine.work.sweeps`, :mod:`engine.work.sweep_lease`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

from sqlalchemy import select

from engine.db.models import Dispute, EventSource, SyncKind, SyncState
from engine.disputes.model import DisputeEvent, Status
from engine.disputes.outcomes import EventOutcome
from engine.disputes.sync import MAX_RECORDED_ERRORS, SyncReport, save_run, start_run
from engine.errors import DisputeEngineError, ProviderUnavailable
from engine.plugins.provider import DisputeProvider, UnreadableDispute
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


@dataclass(frozen=True)
class ListNew:
    """Also list the disputes the processor opened since ``since`` (``None``: every dispute),
    so one whose first webhook never came is found. Where the API cannot filter by creation
    time the provider lists them all (:meth:`DisputeProvider.iter_disputes_since`)."""

    since: datetime | None


LIST_TOKEN_EVERY = 100
"""The listing takes one token of the bucket per this many disputes: a list request returns a
page of up to 100 (Stripe; Paystand 50), and the provider pages on its own."""


@dataclass
class _Tally:
    counts: dict[str, int] = field(
        default_factory=lambda: {"seen": 0, "new": 0, "updated": 0, "queued": 0, "failed": 0}
    )
    errors: list[dict[str, str]] = field(default_factory=list)
    repairs: list[dict[str, str]] = field(default_factory=list)

    def failure(self, dispute_id: str, error: str) -> None:
        self.counts["failed"] += 1
        if len(self.errors) < MAX_RECORDED_ERRORS:
            self.errors.append({"dispute_id": dispute_id, "error": error[:500]})

    def applied(self, outcome: EventOutcome) -> None:
        self.counts["queued"] += outcome.queued
        if not outcome.changed:
            return
        self.counts["new" if outcome.new_dispute else "updated"] += 1
        if len(self.repairs) < MAX_RECORDED_ERRORS:
            before = outcome.before.status.value if outcome.before else "new"
            self.repairs.append(
                {
                    "dispute_id": outcome.after.dispute_id,
                    "before": before,
                    "after": outcome.after.status.value,
                }
            )


def reconcile_provider(
    runtime: Runtime,
    provider_id: str,
    *,
    pacing: TokenBucket | None = None,
    retry: ReadRetry | None = None,
    list_new: ListNew | None = None,
    run_id: int | None = None,
    heartbeat: Callable[[], None] | None = None,
    stop: threading.Event | None = None,
) -> SyncReport:
    """Re-read every open dispute of ``provider_id`` and apply its current state; with
    ``list_new``, first list the disputes opened since then and apply those too.

    ``run_id`` is the sweep run to record into (the lease made it), else a new one is started.
    ``heartbeat`` is called between disputes (the lease's renewal; it raises to stop the sweep)
    and ``stop`` ends the sweep early, recorded as interrupted.
    """
    provider = runtime.provider(provider_id)
    bucket = pacing or TokenBucket(rate=25)
    policy = retry or ReadRetry()
    run = run_id if run_id is not None else start_run(runtime, provider_id, SyncKind.SWEEP)
    tally = _Tally()

    def save(state: SyncState, error: str | None = None) -> SyncReport:
        return save_run(
            runtime,
            run,
            tally.counts,
            tally.errors,
            state=state,
            error=error,
            repairs=tally.repairs,
        )

    def step() -> None:
        if stop is not None and stop.is_set():
            raise SweepStopped("the worker stopped")
        if heartbeat is not None:
            heartbeat()

    try:
        listed: set[str] = set()
        if list_new is not None and provider.capabilities.supports_sync:
            listed = _list_new(runtime, provider, list_new, bucket, tally, step)
        _reread_open(runtime, provider_id, bucket, policy, tally, listed, step, save)
    except SweepStopped as stopped:
        log.warning("sweep of %s stopped: %s", provider_id, stopped)
        return save(SyncState.INTERRUPTED, str(stopped))
    except BaseException as error:
        # A lost database, a bug: the run must not stay ``running`` with stale counts.
        try:
            save(SyncState.INTERRUPTED, f"{type(error).__name__}: {error}"[:500])
        except Exception:
            log.exception("sweep of %s: could not record the interruption", provider_id)
        raise
    return save(SyncState.FINISHED)


class SweepStopped(Exception):
    """Raised between disputes to end a sweep early (the worker stops, the lease was lost):
    what was done is recorded, the run marked interrupted."""


def _list_new(
    runtime: Runtime,
    provider: DisputeProvider,
    list_new: ListNew,
    bucket: TokenBucket,
    tally: _Tally,
    step: Callable[[], None],
) -> set[str]:
    """Apply every dispute the listing yields; the ids seen (the re-read skips them)."""
    listed: set[str] = set()
    bucket.take()
    events = (
        provider.iter_disputes()
        if list_new.since is None
        else provider.iter_disputes_since(list_new.since)
    )
    try:
        for number, event in enumerate(events, start=1):
            step()
            if number % LIST_TOKEN_EVERY == 0:
                bucket.take()
            tally.counts["seen"] += 1
            listed.add(event.dispute_id)
            if isinstance(event, UnreadableDispute):
                tally.failure(event.dispute_id, event.error)
                continue
            try:
                tally.applied(runtime.book.apply_one(event, source=EventSource.RECONCILE))
            except DisputeEngineError as error:
                tally.failure(event.dispute_id, str(error))
    except DisputeEngineError as error:
        # The list itself failed past every retry: the open disputes are still re-read.
        log.error("sweep of %s could not list new disputes: %s", provider.id, error)
        tally.failure("(listing)", f"new disputes could not be listed: {error}")
    return listed


def _reread_open(
    runtime: Runtime,
    provider_id: str,
    bucket: TokenBucket,
    policy: ReadRetry,
    tally: _Tally,
    listed: set[str],
    step: Callable[[], None],
    save: Callable[[SyncState], SyncReport],
) -> None:
    provider = runtime.provider(provider_id)
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
            return
        for pk, dispute_id, account in page:
            after = pk
            if dispute_id in listed:
                continue  # just read by the listing
            step()
            tally.counts["seen"] += 1
            try:
                event = _read(partial(provider.fetch_dispute, dispute_id, account), bucket, policy)
                outcome = runtime.book.apply_one(event, source=EventSource.RECONCILE)
            except DisputeEngineError as error:
                log.error("reconciling %s %s failed: %s", provider_id, dispute_id, error)
                tally.failure(dispute_id, str(error))
                continue
            if outcome.changed:
                log.info("reconcile repaired %s %s", provider_id, dispute_id)
            tally.applied(outcome)
        save(SyncState.RUNNING)


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
