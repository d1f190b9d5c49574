"""Reading request parameters as strictly as Stripe does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulators.stripe.errors import ApiError, invalid


def refuse_unknown(params: dict[str, Any], allowed: set[str] | frozenset[str]) -> None:
    for key in params:
        if key not in allowed:
            raise ApiError(
                400, f"Received unknown parameter: {key}", code="parameter_unknown", param=key
            )


def int_param(value: Any, name: str, low: int, high: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid("Invalid integer", code="parameter_invalid_integer", param=name) from None
    if not low <= number <= high:
        raise invalid(
            f"This value must be between {low} and {high}.",
            code="parameter_invalid_integer",
            param=name,
        )
    return number


def bool_param(value: Any, name: str) -> bool:
    if value in {"true", True}:
        return True
    if value in {"false", False}:
        return False
    raise invalid("Invalid boolean", param=name)


def created_filter(value: Any) -> Callable[[int], bool]:
    if value is None:
        return lambda created: True
    if isinstance(value, str):
        exact = int_param(value, "created", 0, 2**40)
        return lambda created: created == exact
    if not isinstance(value, dict):
        raise invalid("Invalid created filter", param="created")
    bounds = {}
    for key, raw in value.items():
        if key not in {"gt", "gte", "lt", "lte"}:
            raise ApiError(
                400,
                f"Received unknown parameter: created[{key}]",
                code="parameter_unknown",
                param=f"created[{key}]",
            )
        bounds[key] = int_param(raw, f"created[{key}]", 0, 2**40)

    def matches(created: int) -> bool:
        return (
            ("gt" not in bounds or created > bounds["gt"])
            and ("gte" not in bounds or created >= bounds["gte"])
            and ("lt" not in bounds or created < bounds["lt"])
            and ("lte" not in bounds or created <= bounds["lte"])
        )

    return matches
