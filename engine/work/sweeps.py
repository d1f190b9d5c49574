"""The worker's reconciliation schedule (``DISPUTES_RECONCILE_INTERVAL_SECONDS``).

Every interval, each configured provider gets one sweep (:mod:`engine.disputes.reconcile`):
the disputes opened since the last read are listed, every open one is re-read. When a sweep is
due is read from the database — the provider's newest finished sweep — so restarting a worker
does not sweep again, and a new worker joining does not either. One worker at a time sweeps a
provider (:mod:`engine.work.sweep_lease`).

The sweep runs in a thread of its own, not on the worker's loop. Its reads are paced (Stripe:
25 a second), so 10,000 open disputes take about seven minutes; evidence work and
notifications due meanwhile must not wait. Page-by-page steps on the loop would still hold it
for a page of paced reads at every turn, and would need the listing's place kept in the
database between turns; a thread waiting on the token bucket costs nothing, and the sweep's
writes are short transactions of their own, like a webhook's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.models import SyncKind, SyncRun, SyncState
from engine.disputes.reconcile import ListNew, ReadRetry, TokenBucket, reconcile_provider
from engine.disputes.sync import SyncReport
from engine.runtime import Runtime
from engine.work.sweep_lease import DEFAULT_TTL, is_due, take_lease

log = logging.getLogger("disputes.sweeps")

LISTING_OVERLAP = timedelta(hours=1)
"""The listing reaches this far back before the last read: a dispute Stripe opened just before
a sweep may reach its list a moment later."""


def listing_since(session: Session, provider: str) -> datetime | None:
    """When the engine last read all of the provider's new disputes: the start of its newest
    finished sync or sweep (``None``: never, so the sweep lists every dispute)."""
    starts = [
        session.scalars(
            select(SyncRun.started_at)
            .where(SyncRun.provider == provider, SyncRun.kind == kind)
            .where(SyncRun.finished_at.is_not(None), SyncRun.state == SyncState.FINISHED)
            .order_by(SyncRun.finished_at.desc())
            .limit(1)
        ).first()
        for kind in SyncKind
    ]
    known = [start for start in starts if start is not None]
    return max(known) if known else None


@dataclass
class Sweeper:
    """Starts a provider's sweep when one is due, in a background thread."""

    runtime: Runtime
    interval: timedelta
    holder: str
    """The worker's id, recorded as the lease's holder."""
    ttl: timedelta = DEFAULT_TTL
    check_every: timedelta = timedelta(seconds=30)
    """How often :meth:`start_if_due` asks the database (a seek per provider)."""
    clock: Callable[[], datetime] = utcnow
    pacing: Callable[[], TokenBucket] = field(default=lambda: TokenBucket(rate=25))
    """A fresh bucket per sweep, under the processor's rate limit."""
    retry: ReadRetry = field(default_factory=ReadRetry)
    _checked_at: datetime | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    @classmethod
    def for_runtime(cls, runtime: Runtime, holder: str) -> Sweeper | None:
        """The sweeper the settings ask for; ``None`` when the interval is 0 (off)."""
        seconds = runtime.settings.reconcile_interval_seconds
        if seconds <= 0:
            return None
        return cls(runtime, timedelta(seconds=seconds), holder)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start_if_due(self) -> bool:
        """Start a sweep thread if none runs and a provider is due (looked up at most every
        ``check_every``). Never blocks; True if a thread was started."""
        now = self.clock()
        if self.running or self._stop.is_set():
            return False
        if self._checked_at is not None and now - self._checked_at < self.check_every:
            return False
        self._checked_at = now
        if not self.due_providers():
            return False
        self._thread = threading.Thread(
            target=self._sweep_in_thread, name="disputes-sweep", daemon=True
        )
        self._thread.start()
        return True

    def due_providers(self) -> list[str]:
        now = self.clock()
        providers = sorted(self.runtime.configured_providers())
        with self.runtime.database.reading() as session:
            return [p for p in providers if is_due(session, p, self.interval, now)]

    def sweep_due(self) -> list[SyncReport]:
        """Sweep every due provider whose lease this worker gets, one after the other."""
        reports = []
        for provider in self.due_providers():
            if self._stop.is_set():
                break
            lease = take_lease(
                self.runtime.database,
                provider,
                self.holder,
                interval=self.interval,
                ttl=self.ttl,
                clock=self.clock,
            )
            if lease is None:
                continue  # another worker sweeps it, or has just done so
            if lease.taken_over is not None:
                log.warning("%s sweep: took over run %s", provider, lease.taken_over)
            with self.runtime.database.reading() as session:
                since = listing_since(session, provider)
            try:
                report = reconcile_provider(
                    self.runtime,
                    provider,
                    pacing=self.pacing(),
                    retry=self.retry,
                    list_new=ListNew(None if since is None else since - LISTING_OVERLAP),
                    run_id=lease.run_id,
                    heartbeat=lease.renew,
                    stop=self._stop,
                )
            finally:
                lease.release()
            log.info(
                "%s sweep %s: read %d, repaired %d, new %d, errors %d",
                provider,
                report.state,
                report.seen,
                report.updated,
                report.new,
                report.failed,
            )
            reports.append(report)
        return reports

    def _sweep_in_thread(self) -> None:
        try:
            self.sweep_due()
        except Exception:
            # Recorded on the run already; the next check starts again.
            log.exception("the reconciliation sweep stopped")

    def join(self, timeout: float | None = None) -> None:
        """Wait for the running sweep (tests)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def stop(self, timeout: float = 30.0) -> None:
        """End the running sweep after the dispute in hand (recorded as interrupted)."""
        self._stop.set()
        self.join(timeout)
