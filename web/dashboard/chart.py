"""The outcomes-by-month chart as plain numbers for the SVG template (no script, no build)."""

from __future__ import annotations

from dataclasses import dataclass

from web.dashboard.stats import MonthOutcomes

WIDTH = 600
HEIGHT = 180
BASELINE = 150
TOP = 10
MAX_BAR = 48


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    label: str
    title: str
    segments: tuple[tuple[str, float, float], ...]
    """``(css class, y, height)`` stacked from the baseline up."""


def bars(months: list[MonthOutcomes]) -> list[Bar]:
    if not months:
        return []
    peak = max(month.total for month in months) or 1
    slot = WIDTH / len(months)
    scale = (BASELINE - TOP) / peak
    result = []
    for index, month in enumerate(months):
        y = float(BASELINE)
        segments = []
        for css, count in (("won", month.won), ("lost", month.lost), ("other", month.other)):
            height = count * scale
            y -= height
            if count:
                segments.append((css, round(y, 1), round(height, 1)))
        width = min(slot * 0.7, MAX_BAR)
        result.append(
            Bar(
                x=round(index * slot + (slot - width) / 2, 1),
                width=round(width, 1),
                label=month.month,
                title=f"{month.month}: {month.won} won, {month.lost} lost, {month.other} other",
                segments=tuple(segments),
            )
        )
    return result
