"""The ``app_sql`` evidence source: configured, parameterised, read-only queries.

Each query runs in a read-only transaction with a statement timeout (SQLite: opened read-only
and interrupted past the deadline; PostgreSQL: ``SET TRANSACTION READ ONLY`` and
``statement_timeout``; elsewhere give the source a database user that can only read).
"""

from __future__ import annotations

import logging
import mimetypes
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from engine.evidence.visa_ce3.model import PaymentRecord
from engine.plugins.sources import (
    Attachment,
    Contribution,
    EvidenceContext,
    EvidenceSource,
    Section,
)
from engine.settings import Settings
from evidence_sources.app_sql.config import AppSqlConfig, Query, parse_config
from evidence_sources.app_sql.images import ImageRefused, resolve_image
from evidence_sources.app_sql.payments import payment_records

log = logging.getLogger("disputes.evidence.app_sql")

MAX_CELL_CHARS = 2_000


class AppSqlSource(EvidenceSource):
    name = "app_sql"
    timeout_seconds = 60.0

    def __init__(self, config: AppSqlConfig) -> None:
        self.config = config
        self._engine: Engine | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> AppSqlSource | None:
        section = settings.section("evidence_sources", "app_sql")
        if not section:
            return None
        return cls(parse_config(section))

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = _read_only_engine(self.config.url)
        return self._engine

    def contribute(self, context: EvidenceContext) -> Contribution:
        try:
            return self._contribute(context)
        finally:
            # Built afresh for every evidence version: release the app's connections now.
            self.close()

    def _contribute(self, context: EvidenceContext) -> Contribution:
        parameters = _parameters(context)
        attachments: list[Attachment] = []
        sections: list[Section] = []
        facts: dict[str, str] = {}
        payments: list[PaymentRecord] = []
        with self._reading() as connection:
            for query in self.config.queries:
                bound = {name: parameters.get(name) for name in query.parameters}
                result = connection.execute(text(query.sql), bound)
                columns = list(result.keys())
                rows = [
                    dict(zip(columns, row, strict=True)) for row in result.fetchmany(query.max_rows)
                ]
                if query.kind == "images":
                    attachments.extend(self._images(query, rows, Path(context.work_dir)))
                elif query.kind == "facts":
                    facts.update(_facts(rows))
                elif query.kind == "payments":
                    payments.extend(payment_records(query.name, rows))
                elif rows:
                    sections.append(_activity(query, columns, rows))
        return Contribution(
            attachments=tuple(attachments),
            sections=tuple(sections),
            facts=facts,
            payments=tuple(payments),
        )

    def _images(self, query: Query, rows: list[dict[str, Any]], work_dir: Path) -> list[Attachment]:
        found = []
        for index, row in enumerate(rows, start=1):
            reference = row.get("image")
            if not isinstance(reference, str) or not reference.strip():
                log.warning("app_sql %s row %d: no image column value", query.name, index)
                continue
            try:
                local = resolve_image(
                    reference,
                    files_root=self.config.files_root,
                    allowed_hosts=self.config.allowed_hosts,
                    work_dir=work_dir,
                    max_bytes=self.config.max_image_bytes,
                    timeout=min(30.0, self.timeout_seconds / 2),
                )
            except ImageRefused as refused:
                log.warning("app_sql %s row %d: image refused: %s", query.name, index, refused)
                continue
            display = (
                _cell(row.get("name"))
                or Path(reference.split("?")[0]).name
                or f"{query.name}-{index}"
            )
            found.append(
                Attachment(
                    name=display,
                    path=str(local),
                    mime=mimetypes.guess_type(display)[0] or "image/*",
                    caption=_cell(row.get("caption")),
                    created_at=_cell(row.get("created_at")),
                    provenance=f"app_sql query {query.name!r}, row {index}: {reference[:300]}",
                )
            )
        return found

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        deadline = time.monotonic() + self.config.statement_timeout
        with self.engine.connect() as connection:
            dialect = connection.dialect.name
            raw: Any = None
            if dialect == "sqlite":
                raw = connection.connection.driver_connection
                # Abort a runaway query: returning non-zero interrupts the statement.
                raw.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
            with connection.begin():
                if dialect == "postgresql":
                    milliseconds = int(self.config.statement_timeout * 1000)
                    connection.exec_driver_sql("SET TRANSACTION READ ONLY")
                    connection.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
                try:
                    yield connection
                finally:
                    if raw is not None:
                        raw.set_progress_handler(None, 0)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _read_only_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        path = Path(parsed.database).expanduser().resolve()
        # mode=ro: the driver itself refuses writes, whatever the configured SQL says.
        parsed = parsed.set(database=f"file:{path}?mode=ro", query={"uri": "true"})
        engine = create_engine(parsed, connect_args={"check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: object) -> None:
            dbapi_connection.execute("PRAGMA query_only = ON")

        return engine
    if parsed.drivername in {"postgresql", "postgres"}:
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True)


def _parameters(context: EvidenceContext) -> dict[str, str | None]:
    dispute = context.dispute
    return {
        "customer_email": dispute.customer_email or context.provider_facts.get("customer_email"),
        "customer_id": dispute.customer_id or context.provider_facts.get("customer_id"),
        "payment_id": dispute.payment_id,
        "dispute_id": dispute.dispute_id,
    }


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    rendered = str(value)
    return rendered if len(rendered) <= MAX_CELL_CHARS else rendered[:MAX_CELL_CHARS] + "…"


def _facts(rows: list[dict[str, Any]]) -> dict[str, str]:
    """Rows of (name, value), or one row whose columns are the facts."""
    if rows and set(rows[0]) == {"name", "value"}:
        return {str(row["name"]): _cell(row["value"]) or "" for row in rows if row["name"]}
    if rows:
        return {
            column: _cell(value) or "" for column, value in rows[0].items() if value is not None
        }
    return {}


def _activity(query: Query, columns: list[str], rows: Sequence[Mapping[str, Any]]) -> Section:
    header = tuple(column.replace("_", " ") for column in columns)
    body = tuple(tuple(_cell(row[column]) or "" for column in columns) for row in rows)
    return Section(title=query.title, rows=(header, *body))
