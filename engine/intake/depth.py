"""A cap on how deeply a webhook body may nest.

msgspec and the json module recurse per level, so a body of a thousand nested ``[`` raises
:class:`RecursionError` (not a decode error) and, a few levels shallower, decodes fine only to
blow the stack later when the stored dispute is re-encoded. Real processor events nest fewer
than a dozen levels; anything past :data:`MAX_JSON_DEPTH` is refused before it is read.
"""

from __future__ import annotations

from typing import Any

import msgspec

MAX_JSON_DEPTH = 64
"""Stripe's dispute event nests about 8 levels deep, Paystand's about 6."""


def too_deep(body: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether ``body`` is JSON nested more than ``limit`` levels. A body that is not JSON is
    not too deep: the provider's own decoder reports what is wrong with it.

    A body with no more brackets than ``limit`` cannot nest deeper (brackets inside strings
    only overcount), which settles every real event at the cost of two byte counts."""
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    try:
        decoded: Any = msgspec.json.decode(body)
    except RecursionError:
        return True
    except msgspec.DecodeError:
        return False
    return _deeper_than(decoded, limit)


def _deeper_than(value: Any, limit: int) -> bool:
    # Iterative, so that checking depth cannot itself exhaust the stack.
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
