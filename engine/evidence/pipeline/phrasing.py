"""Putting facts into sentences: one line each, bounded, and nothing said when a fact is missing."""

from __future__ import annotations

from collections.abc import Sequence

MAX_VALUE_CHARS = 300
"""A fact quoted in a sentence is cut here: one huge value must not push the argument out."""
MAX_QUOTE_CHARS = 2_000
"""A policy quoted inside a rebuttal; the full text goes to its own disclosure field."""


def clean(value: object) -> str | None:
    """One line, trimmed, bounded; ``None`` when there is nothing to say."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if len(text) > MAX_VALUE_CHARS:
        text = text[: MAX_VALUE_CHARS - 1] + "…"
    return text or None


def key(value: str) -> str:
    """Compare "USD 1,000.00" and "usd 1000.00" as the same value."""
    return "".join(value.replace(",", "").split()).casefold()


def present(*sentences: str | None) -> list[str]:
    return [sentence for sentence in sentences if sentence]


def and_list(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def quote(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_QUOTE_CHARS else flat[: MAX_QUOTE_CHARS - 2] + " …"
