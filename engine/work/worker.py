"""The evidence worker: claims queued dispute work and sends the notification outbox.

``disputes serve`` runs one in a background thread; ``disputes worker`` runs it alone, as many
times as there are machines. Workers coordinate only through the database (see
:mod:`engine.work.queue`), so any number of them can run against one PostgreSQL database.

The per-dispute work itself is a dependency (:data:`DisputeHandler`), by default the evidence
pipeline's :func:`engine.respond.respond`. The worker owns what surrounds it: the claim, retries
with backoff for transient failures, and giving up with the error kept on the dispute.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db.base import utcnow
from engine.db.models import Dispute
from engine.errors import DisputeEngineError, ProviderUnavailable
from engine.evidence.submit_policy.deadline import queue_deadline_submissions
from engine.notifications.dispatch import DeliveryPolicy, send_due_notifications
from engine.notifications.notifier import NotificationKind
from engine.notifications.outbox import announce
from engine.notifications.reminders import queue_reminders
from engine.retention import prune_deliveries, retention_days
from engine.runtime import Runtime
from engine.work import queue
from engine.work.backoff import Backoff
from engine.work.sweeps import Sweeper

log = logging.getLogger("disputes.worker")

DisputeHandler = Callable[[Runtime, int, str], object]
"""``handler(runtime, dispute_pk, reason)``: do the queued work for one dispute (what it returns
is logged). Raise :class:`engine.errors.ProviderUnavailable` for a failure worth retrying; any
other exception stops the work with its message kept on the dispute."""


@dataclass(frozen=True)
class WorkFailed:
    """The work raised: ``retrying`` when it went back to the queue (the processor was down)."""

    error: str
    retrying: bool

    def __str__(self) -> str:
        return f"{self.error} (retrying later)" if self.retrying else self.error


def default_handler() -> DisputeHandler:
    """The evidence pipeline's ``respond``, imported late (the worker must load without pulling
    in WeasyPrint until there is work); ``accept`` work goes to the accept use case."""
    from engine.decisions.accept import accept_queued
    from engine.evidence.pipeline import respond

    def handle(runtime: Runtime, dispute_pk: int, reason: str) -> object:
        if reason == queue.WorkReason.ACCEPT:
            return accept_queued(runtime, dispute_pk)
        return respond(runtime, dispute_pk, reason)

    return handle


@dataclass(frozen=True)
class RetryPolicy(Backoff):
    """How often transient failures of dispute work are retried, and how far apart."""


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


@dataclass
class Worker:
    """One worker. :meth:`run_once` does one unit of each kind of work; :meth:`run` loops."""

    runtime: Runtime
    handler: DisputeHandler | None = None
    worker_id: str = field(default_factory=new_worker_id)
    lease: timedelta = queue.DEFAULT_LEASE
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    delivery: DeliveryPolicy = field(default_factory=DeliveryPolicy)
    idle_seconds: float = 1.0
    clock: Callable[[], datetime] = utcnow
    """Now, for the deadline policy (tests inject a clock instead of waiting)."""
    prune_every: timedelta = timedelta(hours=1)
    """How often the worker prunes old ignored/rejected deliveries (:mod:`engine.retention`)."""
    _pruned_at: datetime | None = field(default=None, init=False, repr=False)
    remind_every: timedelta = timedelta(minutes=1)
    """How often the worker looks for deadline reminders now due (see
    :mod:`engine.notifications.reminders`)."""
    _reminded_at: datetime | None = field(default=None, init=False, repr=False)
    sweeper: Sweeper | None = None
    """Starts the reconciliation sweep when one is due, in its own thread (see
    :mod:`engine.work.sweeps`); ``None``: this worker never sweeps. Build it with
    :meth:`Worker.for_service`, which follows ``DISPUTES_RECONCILE_INTERVAL_SECONDS``."""

    @classmethod
    def for_service(cls, runtime: Runtime) -> Worker:
        """The worker ``disputes serve`` and ``disputes worker`` run: the settings decide
        whether it sweeps."""
        worker = cls(runtime)
        worker.sweeper = Sweeper.for_runtime(runtime, worker.worker_id)
        return worker

    def run(self, stop: threading.Event) -> None:
        """Work until ``stop`` is set, sleeping ``idle_seconds`` whenever there is nothing due.

        An unexpected failure (database down) is logged and retried after a pause: the worker
        of a long-running server must not die of one bad moment.
        """
        log.info("worker %s started", self.worker_id)
        while not stop.is_set():
            try:
                busy = self.run_once()
            except Exception:
                log.exception("worker %s: unexpected failure, pausing", self.worker_id)
                busy = False
                stop.wait(max(self.idle_seconds, 5.0))
            if not busy:
                stop.wait(self.idle_seconds)
        if self.sweeper is not None:
            self.sweeper.stop()
        log.info("worker %s stopped", self.worker_id)

    def run_once(self) -> bool:
        """Process at most one dispute and a batch of due notifications. True if anything ran."""
        queue_deadline_submissions(self.runtime, self.clock())
        self.remind_if_due()
        if self.sweeper is not None:
            self.sweeper.start_if_due()  # returns at once: the sweep runs in its own thread
        worked = self.process_next_dispute()
        sent = send_due_notifications(self.runtime, self.worker_id, self.delivery)
        self.prune_if_due()
        return worked or sent > 0

    def prune_if_due(self) -> int:
        """Prune old ignored/rejected deliveries at most every ``prune_every``; returns how many
        were deleted. Not counted as work, so an idle worker still sleeps."""
        now = self.clock()
        if self._pruned_at is not None and now - self._pruned_at < self.prune_every:
            return 0
        self._pruned_at = now
        return prune_deliveries(self.runtime.database, now, retention_days(self.runtime.settings))

    def remind_if_due(self) -> int:
        """Queue the deadline reminders now due, at most every ``remind_every``; returns how
        many disputes got one. Queuing is not work: sending them is, in the same round."""
        now = self.clock()
        if self._reminded_at is not None and now - self._reminded_at < self.remind_every:
            return 0
        self._reminded_at = now
        return queue_reminders(self.runtime, now)

    def drain(self, limit: int = 10_000) -> int:
        """Run until nothing is due (for tests and one-shot commands). Returns units done."""
        done = 0
        while done < limit and self.run_once():
            done += 1
        return done

    def process_next_dispute(self) -> bool:
        claimed = queue.claim_next(self.runtime.database, self.worker_id, lease=self.lease)
        if claimed is None:
            return False
        self._process(*claimed)
        return True

    def process_dispute(self, dispute_pk: int) -> object | None:
        """Do the work queued on one dispute now and return its outcome; ``None`` when nothing
        is due there or another worker holds it (it will do the work)."""
        reason = queue.claim(self.runtime.database, self.worker_id, dispute_pk, lease=self.lease)
        return None if reason is None else self._process(dispute_pk, reason)

    def _process(self, dispute_pk: int, reason: str) -> object | None:
        attempts = self._attempts(dispute_pk)
        if attempts > self.retry.max_attempts:
            # Every earlier claim ran out its lease: whatever this dispute does to a worker
            # (a crash, a hang), doing it again will not help.
            error = (
                f"{reason} work never finished in {attempts - 1} attempts "
                "(the worker stopped or hung each time); see the worker's log"
            )
            self._give_up(dispute_pk, reason, error)
            return WorkFailed(error, retrying=False)
        try:
            handler = self.handler or default_handler()
            outcome = handler(self.runtime, dispute_pk, reason)
        except ProviderUnavailable as error:
            self._transient_failure(dispute_pk, reason, str(error))
            return WorkFailed(str(error), retrying=True)
        except DisputeEngineError as error:
            self._give_up(dispute_pk, reason, str(error))
            return WorkFailed(str(error), retrying=False)
        except Exception as error:
            log.exception("dispute %s: %s work failed", dispute_pk, reason)
            message = f"internal error: {type(error).__name__}: {error}"
            self._give_up(dispute_pk, reason, message)
            return WorkFailed(message, retrying=False)
        if outcome is not None:
            log.info("dispute %s: %s work done: %s", dispute_pk, reason, outcome)
        with self.runtime.database.transaction() as session:
            dispute = self._lock(session, dispute_pk)
            if dispute is not None and not queue.complete(session, dispute, self.worker_id):
                # Queued again meanwhile (a regenerate request) or taken over after the
                # lease ran out: the newer request stands.
                log.info("dispute %s: claim no longer ours on completion", dispute_pk)
        return outcome

    def _transient_failure(self, dispute_pk: int, reason: str, error: str) -> None:
        with self.runtime.database.transaction() as session:
            dispute = self._lock(session, dispute_pk)
            if dispute is None:
                return
            if dispute.work_attempts >= self.retry.max_attempts:
                self._record_give_up(session, dispute, reason, error)
                return
            delay = self.retry.delay(dispute.work_attempts)
            if queue.retry_later(session, dispute, self.worker_id, error, delay):
                log.warning(
                    "dispute %s %s: %s (attempt %d), retrying in %s",
                    dispute.provider,
                    dispute.dispute_id,
                    error,
                    dispute.work_attempts,
                    delay,
                )

    def _give_up(self, dispute_pk: int, reason: str, error: str) -> None:
        with self.runtime.database.transaction() as session:
            dispute = self._lock(session, dispute_pk)
            if dispute is not None:
                self._record_give_up(session, dispute, reason, error)

    def _record_give_up(self, session: Session, dispute: Dispute, reason: str, error: str) -> None:
        if not queue.give_up(session, dispute, self.worker_id, error):
            return
        log.error(
            "dispute %s %s: %s work stopped after %d attempt(s): %s",
            dispute.provider,
            dispute.dispute_id,
            reason,
            dispute.work_attempts,
            error,
        )
        announce(
            session,
            self.runtime.notifiers,
            dispute,
            NotificationKind.NEEDS_ATTENTION,
            key=f"work-stopped:{utcnow().isoformat()}",
            detail=error,
        )

    def _attempts(self, dispute_pk: int) -> int:
        with self.runtime.database.reading() as session:
            attempts = session.scalar(select(Dispute.work_attempts).where(Dispute.id == dispute_pk))
        return attempts or 0

    @staticmethod
    def _lock(session: Session, dispute_pk: int) -> Dispute | None:
        return session.scalars(
            select(Dispute).where(Dispute.id == dispute_pk).with_for_update()
        ).first()


class WorkerThread:
    """A worker in a daemon thread, started and stopped with the web app's lifespan."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self.worker.run, args=(self._stop,), name="disputes-worker", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the worker to stop after its current unit and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
