"""One reconciliation sweep per provider at a time, across any number of workers.

A row of ``reconcile_leases`` per provider names the worker sweeping it and until when. Taking
the lease is one transaction: the row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's
write lock admits one writer anyway), and the lease is granted only if nobody holds it — or the
holder let it expire, having crashed or hung — *and* a sweep is still due. The due-ness is read
again under the lock from the provider's newest finished sweep, so a worker that waited behind
one that just finished does not sweep a second time.

The sweeping worker pushes ``expires_at`` on as it goes (:meth:`SweepLease.renew`); a renewal
that finds the lease gone (taken over after it expired) raises :class:`LeaseLost` and the sweep
stops. Ending the sweep (:meth:`SweepLease.release`) records its run first, then frees the row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.dialect import insert
from engine.db.models import ReconcileLease, SyncKind, SyncRun, SyncState
from engine.disputes.reconcile import SweepStopped

DEFAULT_TTL = timedelta(minutes=10)
"""Long enough for one dispute's slowest read (the SDK's own retries, then the sweep's), so a
healthy sweep renews in time; short enough that a crashed worker's sweep resumes soon."""

FINISHED = (SyncState.FINISHED, SyncState.FAILED)
"""Sweeps that count for due-ness. A failed one counts too (a processor refusing the key would
otherwise be asked again on every loop); an interrupted one does not (a restart mid-sweep)."""


class LeaseLost(SweepStopped):
    """The lease expired and another worker took it over: stop sweeping."""


def last_sweep_finished(session: Session, provider: str) -> datetime | None:
    """When the provider's newest finished sweep ended (a backward seek on
    ``ix_sync_runs_sweeps``), or ``None`` when none has."""
    return session.scalars(
        select(SyncRun.finished_at)
        .where(SyncRun.provider == provider, SyncRun.kind == SyncKind.SWEEP)
        .where(SyncRun.finished_at.is_not(None), SyncRun.state.in_(FINISHED))
        .order_by(SyncRun.finished_at.desc())
        .limit(1)
    ).first()


def is_due(session: Session, provider: str, interval: timedelta, now: datetime) -> bool:
    finished = last_sweep_finished(session, provider)
    return finished is None or finished + interval <= now


@dataclass
class SweepLease:
    """A lease held: the run it records into, and how to keep it."""

    database: Database
    provider: str
    holder: str
    run_id: int
    ttl: timedelta
    clock: Callable[[], datetime] = utcnow
    taken_over: int | None = None
    """The run of an earlier holder whose lease had expired (now marked interrupted)."""
    _renewed_at: datetime = field(default_factory=utcnow)

    def renew(self, *, force: bool = False) -> None:
        """Push the expiry on (at most every third of the lease, unless ``force``); raise
        :class:`LeaseLost` when another worker holds the lease now."""
        now = self.clock()
        if not force and now - self._renewed_at < self.ttl / 3:
            return
        with self.database.transaction() as session:
            renewed = session.execute(
                update(ReconcileLease)
                .where(ReconcileLease.provider == self.provider)
                .where(ReconcileLease.holder == self.holder)
                .where(ReconcileLease.run_id == self.run_id)
                .values(expires_at=now + self.ttl)
            )
        if renewed.rowcount != 1:  # type: ignore[attr-defined]
            raise LeaseLost(f"the {self.provider} sweep lease was taken over")
        self._renewed_at = now

    def release(self) -> None:
        """Free the row, if it is still ours (call after the run is recorded)."""
        with self.database.transaction() as session:
            session.execute(
                update(ReconcileLease)
                .where(ReconcileLease.provider == self.provider)
                .where(ReconcileLease.holder == self.holder)
                .where(ReconcileLease.run_id == self.run_id)
                .values(holder=None, expires_at=None, run_id=None)
            )


def take_lease(
    database: Database,
    provider: str,
    holder: str,
    *,
    interval: timedelta,
    ttl: timedelta = DEFAULT_TTL,
    clock: Callable[[], datetime] = utcnow,
) -> SweepLease | None:
    """The lease for a sweep of ``provider`` with a new sweep run started, or ``None`` when
    another worker sweeps it now or no sweep is due."""
    now = clock()
    with database.transaction() as session:
        session.execute(
            insert(session, ReconcileLease)
            .values(provider=provider)
            .on_conflict_do_nothing(index_elements=["provider"])
        )
        lease = session.scalars(
            select(ReconcileLease).where(ReconcileLease.provider == provider).with_for_update()
        ).one()
        held = lease.holder is not None and lease.expires_at is not None
        if held and lease.expires_at > now:  # type: ignore[operator]
            return None
        if not is_due(session, provider, interval, now):
            return None
        taken_over = lease.run_id if held else None
        if taken_over is not None:
            _interrupt(session, taken_over, f"{lease.holder} stopped renewing its lease")
        run = SyncRun(
            provider=provider,
            kind=SyncKind.SWEEP,
            state=SyncState.RUNNING,
            started_at=now,
            errors=[],
            repairs=[],
        )
        session.add(run)
        session.flush()
        lease.holder, lease.expires_at, lease.run_id = holder, now + ttl, run.id
        return SweepLease(
            database,
            provider,
            holder,
            run.id,
            ttl,
            clock=clock,
            taken_over=taken_over,
            _renewed_at=now,
        )


def _interrupt(session: Session, run_id: int, why: str) -> None:
    run = session.get(SyncRun, run_id)
    if run is not None and run.state is SyncState.RUNNING:
        run.state = SyncState.INTERRUPTED
        run.error = why
        run.finished_at = utcnow()
