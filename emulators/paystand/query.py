"""The dispute list's query parameters: offset pagination and Paystand's date filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from emulators.paystand.wire import ApiError, parse_iso

Json = dict[str, Any]


def whole_number(text: str, name: str, *, low: int, high: int | None) -> int:
    if not text.isdigit():
        raise ApiError(400, f"{name} must be a whole number")
    value = int(text)
    if value < low or (high is not None and value > high):
        raise ApiError(400, f"{name} must be between {low} and {high or 'any'}")
    return value


def date_filter(query: dict[str, str]) -> Callable[[Json], bool]:
    """Paystand's date filters: honoured only with ``f.querytype=by-query-filters`` and
    ``f.datepreset=custom``; given without them they are a mistake the API refuses."""
    dated = any(key in query for key in ("f.datestart", "f.dateend", "f.datetype"))
    if not dated:
        return lambda _: True
    if query.get("f.querytype") != "by-query-filters" or query.get("f.datepreset") != "custom":
        raise ApiError(
            400, "date filters need f.querytype=by-query-filters and f.datepreset=custom"
        )
    field_name = query.get("f.datetype", "created")
    if field_name not in {"created", "lastUpdated"}:
        raise ApiError(400, "f.datetype must be created or lastUpdated")
    start = _day(query.get("f.datestart"), "f.datestart")
    end = _day(query.get("f.dateend"), "f.dateend")

    def keep(resource: Json) -> bool:
        day = parse_iso(resource[field_name]).date()
        return (start is None or day >= start) and (end is None or day <= end)

    return keep


def _day(text: str | None, name: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text) if len(text) == 10 else _bad_day(name)
    except ValueError:
        return _bad_day(name)


def _bad_day(name: str) -> date:
    raise ApiError(400, f"{name} must be a date as YYYY-MM-DD")
