"""The inbox insert on the event loop, for PostgreSQL.

During a burst the writer thread only stores deliveries, but a thread must take Python's
lock to do even that, and the event loop — busy reading the next requests — lets it have it
only now and then: the requests of a batch wait for each other. On PostgreSQL the loop can
store them itself, with an asynchronous connection: while one batch travels to the server
and back, the loop reads the next requests, and they form the next batch (a group commit on
the loop). SQLite has no asynchronous driver and commits locally in well under a
millisecond: there the writer thread stores them.

Used only while the inbox is in use (:mod:`engine.intake.webhooks` decides); should the
connection fail, the deliveries go to the writer thread instead, which stores them as usual.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import psycopg
from sqlalchemy.engine import URL

from engine.disputes.batch import DELIVERIES, Delivery
from engine.disputes.outcomes import DeliveryOutcome
from engine.intake.inbox import received_rows

log = logging.getLogger("disputes.intake")

_COLUMNS = (  # those received_rows() fills; the table names them all (checked at import)
    "provider",
    "body",
    "body_encoding",
    "received_at",
    "event_id",
    "event_type",
    "outcome",
    "detail",
    "verdict",
    "apply_after",
)
# The names are constants, every value a parameter.
_INSERT = (
    f"INSERT INTO {DELIVERIES.name} ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(f'%({column})s' for column in _COLUMNS)})"
)


class LoopInbox:
    """Stores batches of deliveries in the inbox from the event loop (PostgreSQL only)."""

    def __init__(self, url: URL) -> None:
        self._conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._connection: psycopg.AsyncConnection[object] | None = None
        self._waiting: list[tuple[Delivery, asyncio.Future[DeliveryOutcome]]] = []
        self._flushing = False

    async def submit(self, delivery: Delivery) -> DeliveryOutcome:
        """Store ``delivery`` with whatever else waits, once the batch before has gone."""
        future: asyncio.Future[DeliveryOutcome] = asyncio.get_running_loop().create_future()
        self._waiting.append((delivery, future))
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().create_task(self._flush())
        return await future

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def _flush(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    outcomes = await self.store([delivery for delivery, _ in batch])
                except Exception as error:  # noqa: BLE001 - handed to every caller
                    log.warning("storing %d deliveries from the loop failed: %s", len(batch), error)
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(error)
                    continue
                for (_, future), outcome in zip(batch, outcomes, strict=True):
                    if not future.done():
                        future.set_result(outcome)
        finally:
            self._flushing = False

    async def store(self, deliveries: Sequence[Delivery]) -> list[DeliveryOutcome]:
        """One transaction: the deliveries as :func:`engine.intake.inbox.store_received`
        writes them."""
        rows, outcomes = received_rows(deliveries)
        for row in rows:
            row["outcome"] = str(row["outcome"])  # psycopg would write an enum's name
        connection = await self._connect()
        try:
            async with connection.transaction(), connection.cursor() as cursor:
                await cursor.executemany(_INSERT, rows)
        except psycopg.OperationalError:
            await self.close()  # a broken connection is replaced on the next batch
            raise
        return outcomes

    async def _connect(self) -> psycopg.AsyncConnection[object]:
        if self._connection is None or self._connection.closed:
            self._connection = await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True
            )
        return self._connection


assert set(_COLUMNS) <= set(DELIVERIES.columns.keys())
