"""``GET /disputes.csv``: the dashboard list's rows as CSV, with its filters and its key.

Streamed page by page along the list's own keyset order (an index walk, see
:mod:`web.queries`), each page read in its own short transaction, so a million rows never sit
in memory or hold one long read open.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Stream

from engine.runtime import Runtime
from web.gates import dashboard_gate
from web.queries import Filters, list_disputes

PAGE = 1_000
COLUMNS = (
    "provider",
    "dispute_id",
    "status",
    "stage",
    "reason",
    "amount",
    "currency",
    "respond_by",
    "created_at",
    "customer_name",
    "customer_email",
    "payment_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    # A spreadsheet would run a cell starting like a formula (customer names come from
    # processors, so from anyone): quote it as text. Amounts are never negative here.
    return "'" + text if text.startswith(_FORMULA_START) else text


def _line(values: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue().encode()


def csv_rows(runtime: Runtime, filters: Filters) -> Iterator[bytes]:
    yield _line(list(COLUMNS))
    cursor: str | None = None
    while True:
        with runtime.database.reading() as session:
            rows, cursor = list_disputes(session, filters, PAGE, cursor)
            lines = [_line([_cell(getattr(row, name)) for name in COLUMNS]) for row in rows]
        yield b"".join(lines)
        if cursor is None:
            return


class DisputeCsvController(Controller):
    path = "/disputes.csv"
    include_in_schema = False
    before_request = staticmethod(dashboard_gate)

    @get("/", sync_to_thread=False)
    def export(
        self,
        runtime: NamedDependency[Runtime],
        provider: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        stage: FromQuery[str | None] = None,
        reason: FromQuery[str | None] = None,
    ) -> Stream:
        filters = Filters(
            provider=provider or None,
            status=status or None,
            stage=stage or None,
            reason=reason or None,
        )
        return Stream(
            csv_rows(runtime, filters),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="disputes.csv"'},
        )


__all__ = ["COLUMNS", "DisputeCsvController", "csv_rows"]
