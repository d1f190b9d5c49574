"""Stripe's list endpoints: strict parameters, ``created`` filters, newest first, cursor paging."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from emulators.stripe.errors import missing
from emulators.stripe.params import created_filter, int_param, refuse_unknown

PAGING = frozenset({"limit", "starting_after", "ending_before", "created", "expand"})


def list_page(
    kind: str, objects: Iterable[dict[str, Any]], params: dict[str, Any], filters: frozenset[str]
) -> dict[str, Any]:
    """One page of ``objects`` (one account's, already) as a Stripe ``list``.

    ``filters`` are the equality filters the endpoint accepts (``charge``, ``customer``...);
    any other parameter is refused, as Stripe does.
    """
    refuse_unknown(params, filters | PAGING)
    limit = int_param(params.get("limit", "10"), "limit", 1, 100)
    created = created_filter(params.get("created"))
    items = [
        obj
        for obj in objects
        if created(obj["created"])
        and all(str(obj.get(name)) == params[name] for name in filters if name in params)
    ]
    # Newest first, as Stripe lists; ids break ties so paging is stable.
    items.sort(key=lambda item: (item["created"], item["id"]), reverse=True)
    if "starting_after" in params:
        after = str(params["starting_after"])
        position = next((i for i, o in enumerate(items) if o["id"] == after), None)
        if position is None:
            raise missing(kind, after, "starting_after")
        items = items[position + 1 :]
    page = items[:limit]
    return {
        "object": "list",
        "data": copy.deepcopy(page),
        "has_more": len(items) > limit,
        "url": {"early_fraud_warning": "/v1/radar/early_fraud_warnings"}.get(kind, f"/v1/{kind}s"),
    }
