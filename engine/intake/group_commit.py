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


class GroupCommit(Generic[T, R]):
    """Writes items submitted from asyncio tasks in batches, on one thread of its own."""

    def __init__(
        self,
        write_batch: Callable[[Sequence[T]], Sequence[R]],
        write_one: Callable[[T], R],
        *,
        max_batch: int = 256,
        name: str = "group-commit",
    ) -> None:
        self._write_batch, self._write_one = write_batch, write_one
        self.max_batch = max_batch
        self._name = name
        self._queue: queue.SimpleQueue[_Waiting[T, R] | object] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    async def submit(self, item: T) -> R:
        """Write ``item`` with whatever else is waiting; return once it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._start()
        self._queue.put(_Waiting(item, loop, future))
        # A caller that goes away (a client hanging up) does not take the write back: the
        # item is committed all the same, and a retry of it finds it stored.
        return await asyncio.shield(future)

    def close(self) -> None:
        """Write what is waiting, then stop the thread."""
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(_STOP)
            thread.join()

    def _start(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self._name} is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                return
            batch: list[_Waiting[T, R]] = [first]  # type: ignore[list-item]
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

    def _write(self, batch: list[_Waiting[T, R]]) -> None:
        results: list[R | BaseException]
        try:
            results = list(self._write_batch([waiting.item for waiting in batch]))
        except Exception as error:  # noqa: BLE001 - each item is retried on its own below
            if len(batch) > 1:
                log.warning("a batch of %d failed (%s): writing each on its own", len(batch), error)
            results = [self._one(waiting.item) for waiting in batch]
        for waiting, result in zip(batch, results, strict=True):
            waiting.loop.call_soon_threadsafe(_settle, waiting.future, result)

    def _one(self, item: T) -> R | BaseException:
        try:
            return self._write_one(item)
        except Exception as error:  # noqa: BLE001 - handed to the caller, who raises it
            return error


def _settle(future: asyncio.Future[R], result: R | BaseException) -> None:
    if future.done():
        return
    if isinstance(result, BaseException):
        future.set_exception(result)
    else:
        future.set_result(result)
