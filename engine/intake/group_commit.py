"""Group commit: many concurrent requests' writes in one transaction.

A webhook must be durably stored before it is answered, and a transaction per request makes
every request pay a commit (and, on SQLite, wait in line for the one write lock). Here one
writer thread takes whatever requests are waiting — one when traffic is light, up to
``max_batch`` under load — writes them in one transaction, and only then answers each. A
request is never answered before its transaction has committed, so a crash at any point loses
nothing that was acknowledged: the processor retries whatever it got no answer for.

If the batch's transaction fails, each item is written again in its own transaction, so one
bad item fails alone (its caller gets the exception) and the others are written as usual.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

log = logging.getLogger("disputes.intake")

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class _Waiting(Generic[T, R]):
    item: T
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[R]


_STOP = object()


IdleWork = Callable[[bool], float | None]
"""Work the writer does when no item waits, told whether the queue is quiet (``False``: it
runs because it was starving, while items still come — do a little); returns how soon it
wants to be called again (``0``: it has more to do; ``None``: only when something new
arrives)."""


class GroupCommit(Generic[T, R]):
    """Writes items submitted from asyncio tasks in batches, on one thread of its own.

    Between batches the thread may do ``idle`` work (the webhook inbox applies what it
    stored). Items always come first: idle work runs once no item has arrived for ``quiet``
    seconds, and — so that it cannot starve under a steady stream — at least every
    ``starve_after`` seconds while it has work left.
    """

    def __init__(
        self,
        write_batch: Callable[[Sequence[T]], Sequence[R]],
        write_one: Callable[[T], R],
        *,
        idle: IdleWork | None = None,
        max_batch: int = 256,
        quiet: float = 0.05,
        starve_after: float = 1.0,
        name: str = "group-commit",
    ) -> None:
        self._write_batch, self._write_one = write_batch, write_one
        self._idle = idle
        self.max_batch, self.quiet, self.starve_after = max_batch, quiet, starve_after
        self._name = name
        self._queue: queue.SimpleQueue[_Waiting[T, R] | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._idle_in: float | None = 0.0 if idle is not None else None

    async def submit(self, item: T) -> R:
        """Write ``item`` with whatever else is waiting; return once it is committed. A
        caller that goes away (a client hanging up) does not take the write back: the item is
        committed all the same, and a retry of it finds it stored."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self.start()
        self._queue.put(_Waiting(item, loop, future))
        return await future

    def start(self) -> None:
        """Start the thread (``submit`` does on first use; a service does at start-up, so its
        idle work — a previous run's inbox — begins at once)."""
        if self._thread is not None:
            return
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._name} is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def close(self) -> None:
        """Write what is waiting, then stop the thread."""
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join()

    def wants_idle(self) -> None:
        """Called from ``write_batch``: idle work is waiting (call it when the queue is quiet)."""
        self._idle_in = 0.0

    def _run(self) -> None:
        last_idle = last_item = time.monotonic()
        self._do_idle(quiet=True)
        while True:
            now = time.monotonic()
            due = self._idle_due(last_idle, last_item)
            timeout = None if due is None else max(0.0, due - now)
            try:
                first = self._queue.get(timeout=timeout)
            except queue.Empty:
                first = None
            if first is _STOP or (first is not None and self._write_waiting(first)):
                return
            if first is not None:
                last_item = time.monotonic()
            due = self._idle_due(last_idle, last_item)
            if first is None or (due is not None and time.monotonic() >= due):
                self._do_idle(quiet=time.monotonic() - last_item >= self.quiet)
                last_idle = time.monotonic()

    def _idle_due(self, last_idle: float, last_item: float) -> float | None:
        """When idle work is due (monotonic seconds), if ever: with work left, once no item
        has come for ``quiet`` seconds, or once starving; otherwise when it asked to be called
        again."""
        if self._idle_in is None:
            return None
        if self._idle_in == 0:
            return min(last_item + self.quiet, last_idle + self.starve_after)
        return last_idle + self._idle_in

    def _write_waiting(self, first: object) -> bool:
        """Write ``first`` and whatever else waits; True when asked to stop meanwhile."""
        batch: list[_Waiting[T, R]] = [first]  # type: ignore[list-item]
        stopping = False
        while len(batch) < self.max_batch:
            try:
                waiting = self._queue.get_nowait()
            except queue.Empty:
                break
            if waiting is _STOP:
                stopping = True
                break
            batch.append(waiting)  # type: ignore[arg-type]
        self._write(batch)
        return stopping

    def _do_idle(self, *, quiet: bool) -> None:
        if self._idle is None:
            return
        try:
            self._idle_in = self._idle(quiet)
        except Exception:
            log.exception("%s: idle work failed; trying again in a second", self._name)
            self._idle_in = 1.0

    def _write(self, batch: list[_Waiting[T, R]]) -> None:
        results: list[R | BaseException]
        try:
            results = list(self._write_batch([waiting.item for waiting in batch]))
        except Exception as error:  # noqa: BLE001 - each item is retried on its own below
            if len(batch) > 1:
                log.warning("a batch of %d failed (%s): writing each on its own", len(batch), error)
            results = [self._one(waiting.item) for waiting in batch]
        # One wake-up per event loop, not one per item.
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[R], R | BaseException]]]
        by_loop = {}
        for waiting, result in zip(batch, results, strict=True):
            by_loop.setdefault(waiting.loop, []).append((waiting.future, result))
        for loop, settled in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle_all, settled)
            except RuntimeError:
                log.warning("%s: a caller's event loop is closed", self._name)

    def _one(self, item: T) -> R | BaseException:
        try:
            return self._write_one(item)
        except Exception as error:  # noqa: BLE001 - handed to the caller, who raises it
            return error


def _settle_all(settled: list[tuple[asyncio.Future[R], R | BaseException]]) -> None:
    for future, result in settled:
        if future.done():
            continue
        if isinstance(result, BaseException):
            future.set_exception(result)
        else:
            future.set_result(result)
