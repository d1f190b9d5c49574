"""Backfill: read every dispute a provider knows and apply it through the webhook path.

Each dispute is applied in its own transaction, so a crash loses at most the one in flight and a
re-run (snapshot ids are stable) duplicates nothing. A failure on one dispute is recorded on the
sync run and the sync goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import msgspec
from sqlalchemy import func, select

from engine.db.base import utcnow
from engine.db.models import EventSource, SyncKind, SyncRun, SyncState
from engine.errors import DisputeEngineError, NotConfigured
from engine.plugins.provider import UnreadableDispute
from engine.runtime import Runtime

log = logging.getLogger("disputes.sync")

MAX_RECORDED_ERRORS = 200

Progress = Callable[[int], None]
"""Called after each dispute with the number seen so far."""


class SyncReport(msgspec.Struct, kw_only=True):
    """One sync run, as ``GET /api/sync`` serves it. ``kind`` tells ``disputes sync`` from the
    worker's reconciliation sweep; ``repairs`` is what a sweep put right."""

    provider: str
    kind: SyncKind = SyncKind.SYNC
    state: SyncState
    started_at: str
    finished_at: str | None
    seen: int
    new: int
    updated: int
    queued: int
    failed: int
    errors: list[dict[str, str]]
    error: str | None
    repairs: list[dict[str, str]] = []

    @classmethod
    def from_row(cls, row: SyncRun) -> SyncReport:
        return cls(
            provider=row.provider,
            kind=row.kind,
            state=row.state,
            started_at=row.started_at.isoformat().replace("+00:00", "Z"),
            finished_at=row.finished_at.isoformat().replace("+00:00", "Z")
            if row.finished_at
            else None,
            seen=row.seen,
            new=row.new,
            updated=row.updated,
            queued=row.queued,
            failed=row.failed,
            errors=list(row.errors),
            error=row.error,
            repairs=list(row.repairs or []),
        )


def sync_provider(
    runtime: Runtime, provider_id: str, *, progress: Progress | None = None
) -> SyncReport:
    provider = runtime.provider(provider_id)
    if not provider.capabilities.supports_sync:
        raise NotConfigured(f"{provider.display_name} cannot list its disputes")
    run_id = start_run(runtime, provider_id)
    counts = {"seen": 0, "new": 0, "updated": 0, "queued": 0, "failed": 0}
    errors: list[dict[str, str]] = []
    fatal: str | None = None
    state = SyncState.INTERRUPTED  # unless the loop below ends on its own
    try:
        for event in provider.iter_disputes():
            counts["seen"] += 1
            failure: str | None = None
            if isinstance(event, UnreadableDispute):
                failure = event.error
                log.error("sync of %s %s failed: %s", provider_id, event.dispute_id, failure)
            else:
                try:
                    outcome = runtime.book.apply_one(event, source=EventSource.SYNC)
                except Exception as error:
                    failure = str(error)
                    log.exception("sync of %s %s failed", provider_id, event.dispute_id)
                else:
                    if outcome.new_dispute:
                        counts["new"] += 1
                    elif outcome.changed:
                        counts["updated"] += 1
                    counts["queued"] += outcome.queued
            if failure is not None:
                counts["failed"] += 1
                if len(errors) < MAX_RECORDED_ERRORS:
                    errors.append({"dispute_id": event.dispute_id, "error": failure[:500]})
            if counts["seen"] % 50 == 0:
                save_run(runtime, run_id, counts, errors, state=SyncState.RUNNING)
            if progress is not None:
                progress(counts["seen"])
        state = SyncState.FINISHED
    except DisputeEngineError as error:
        fatal = str(error)
        state = SyncState.FAILED
        log.error("sync of %s stopped: %s", provider_id, error)
    except BaseException as error:
        # Ctrl-C, a bug, a lost database connection: the run must not stay ``running`` forever
        # with the counts of its last checkpoint. Record what was really done, then re-raise.
        fatal = "interrupted" if isinstance(error, KeyboardInterrupt) else _describe(error)
        try:
            save_run(runtime, run_id, counts, errors, state=state, error=fatal)
        except Exception:
            log.exception("sync of %s: could not record the interruption", provider_id)
        raise
    return save_run(runtime, run_id, counts, errors, state=state, error=fatal)


def _describe(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else ""
    return f"{type(error).__name__}: {text}"[:500] if text else type(error).__name__


def start_run(runtime: Runtime, provider_id: str, kind: SyncKind = SyncKind.SYNC) -> int:
    """A new run in state ``running``; returns its id."""
    with runtime.database.transaction() as session:
        run = SyncRun(
            provider=provider_id,
            kind=kind,
            state=SyncState.RUNNING,
            started_at=utcnow(),
            errors=[],
            repairs=[],
        )
        session.add(run)
        session.flush()
        return run.id


def save_run(
    runtime: Runtime,
    run_id: int,
    counts: dict[str, int],
    errors: list[dict[str, str]],
    *,
    state: SyncState,
    error: str | None = None,
    repairs: list[dict[str, str]] | None = None,
) -> SyncReport:
    with runtime.database.transaction() as session:
        run = session.get_one(SyncRun, run_id)
        for key, value in counts.items():
            setattr(run, key, value)
        run.errors = list(errors)
        if repairs is not None:
            run.repairs = list(repairs)
        run.state = state
        run.error = error
        if state is not SyncState.RUNNING:
            run.finished_at = utcnow()
        return SyncReport.from_row(run)


def last_reports(runtime: Runtime, kind: SyncKind | None = None) -> dict[str, SyncReport]:
    """The newest run of each provider — of one ``kind``, or of either — for ``GET /api/sync``
    (either: when the engine last read each processor) and the dashboard (one line each)."""
    # The newest run is the one with the highest id (ids grow with time): one row per provider
    # is read, not every run ever kept (a sweep an hour adds thousands a year).
    newest = select(func.max(SyncRun.id)).group_by(SyncRun.provider)
    if kind is not None:
        newest = newest.where(SyncRun.kind == kind)
    with runtime.database.reading() as session:
        rows = session.scalars(
            select(SyncRun).where(SyncRun.id.in_(newest)).order_by(SyncRun.provider)
        )
        return {row.provider: SyncReport.from_row(row) for row in rows}
