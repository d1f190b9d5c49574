"""First and last use are read from the activity tables' time column, never guessed."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from engine.evidence.pipeline.usage import usage
from engine.plugins.sources import Section


def test_first_and_last_use_come_from_the_time_column_whatever_its_zone() -> None:
    # given two activity tables with zoned, unzoned and unreadable times, and a non-activity one
    sections = [
        Section(
            title="Login activity",
            rows=(
                ("ip", "created_at"),
                ("1.2.3.4", "2026-01-02T10:00:00+02:00"),
                ("1.2.3.4", "yesterday"),
            ),
        ),
        Section(title="Design activity", rows=(("When", "what"), ("2026-01-02 09:30", "logo"))),
        Section(title="Orders", rows=(("when",), ("2020-01-01",))),
    ]

    seen = usage(sections)

    # then every activity row counts, and the times order across zones (unzoned read as UTC)
    assert seen.entries == 3
    assert (seen.first, seen.last) == ("2026-01-02T10:00:00+02:00", "2026-01-02 09:30")
    assert seen.since(datetime(2026, 1, 2, 9, 0, tzinfo=UTC)) == 1


def test_a_table_without_a_time_column_is_counted_but_not_dated() -> None:
    seen = usage([Section(title="Activity", rows=(("what",), ("login",), ("logout",)))])

    assert (seen.entries, seen.first, seen.last) == (2, None, None)
    assert seen.since(datetime(2000, 1, 1, tzinfo=UTC)) == 0


@given(
    st.lists(
        st.lists(st.one_of(st.text(max_size=30), st.just("2026-01-02T03:04:05Z")), max_size=4),
        max_size=8,
    )
)
def test_any_table_is_read_without_error(rows: list[list[str]]) -> None:
    seen = usage([Section(title="Activity", rows=tuple(tuple(row) for row in rows))])

    assert seen.entries == max(0, len(rows) - 1)
    assert (seen.first is None) == (seen.last is None)
