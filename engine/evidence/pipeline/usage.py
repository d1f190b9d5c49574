"""How the customer used the service, read from the sources' activity tables.

The tables are the ones ``access_activity_log`` shows (a section whose title mentions
activity, first row the header). Their time column is found by its header and read as ISO
8601; a cell that is not a time is counted as an entry but never guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from engine.plugins.sources import Section

_TIME_HEADERS = frozenset({"when", "at", "time", "date", "timestamp", "datetime", "day"})


@dataclass(frozen=True)
class Usage:
    """What the activity tables say: how many entries, and the first and last moments
    (``first``/``last`` exactly as the source wrote them)."""

    entries: int = 0
    first: str | None = None
    last: str | None = None
    first_at: datetime | None = None
    last_at: datetime | None = None
    moments: tuple[datetime, ...] = ()

    def since(self, moment: datetime | None) -> int:
        """Entries at or after ``moment`` (the purchase): use of what was bought."""
        return 0 if moment is None else sum(1 for at in self.moments if at >= moment)


def usage(sections: Iterable[Section]) -> Usage:
    """Read the same tables ``access_activity_log`` shows (title mentions activity)."""
    entries = 0
    stamped: list[tuple[datetime, str]] = []
    for section in sections:
        if not section.rows or "activity" not in section.title.lower():
            continue
        header, *rows = section.rows
        entries += len(rows)
        column = next((i for i, name in enumerate(header) if _is_time_header(name)), None)
        if column is None:
            continue
        for row in rows:
            moment = moment_of(row[column]) if column < len(row) else None
            if moment is not None:
                stamped.append((moment, " ".join(row[column].split())))
    if not stamped:
        return Usage(entries=entries)
    stamped.sort(key=lambda item: item[0])
    return Usage(
        entries=entries,
        first=stamped[0][1],
        last=stamped[-1][1],
        first_at=stamped[0][0],
        last_at=stamped[-1][0],
        moments=tuple(moment for moment, _ in stamped),
    )


def _is_time_header(name: str) -> bool:
    name = name.strip().lower()
    return name in _TIME_HEADERS or name.endswith(("_at", " at", "date", "time"))


def moment_of(text: str) -> datetime | None:
    text = text.strip()
    if not 8 <= len(text) <= 40:
        return None
    try:
        return aware(datetime.fromisoformat(text))
    except ValueError:
        return None


def aware(moment: datetime) -> datetime:
    # Sources give times without a zone in UTC (as the documents print them).
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
