"""Which handler answers which ``/v1`` path, and the thin adapters from HTTP to ``StripeState``."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from emulators.stripe.errors import ApiError
from emulators.stripe.forms import Upload
from emulators.stripe.radar import create_refund
from emulators.stripe.state import StripeState
from emulators.stripe.webhook_endpoints import WebhookEndpoints

_ID = r"([A-Za-z0-9_]+)"

Handler = Callable[[str, dict[str, Any], dict[str, Upload], tuple[str, ...]], dict[str, Any]]
"""``(account, params, uploads, path ids) -> object``; raises ``ApiError`` to refuse."""

ByIdOperation = Callable[[str, str, dict[str, Any]], dict[str, Any]]


class Router:
    def __init__(self, state: StripeState, endpoints: WebhookEndpoints) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            (
                "GET",
                re.compile(r"/v1/disputes"),
                _listing(state, "dispute", {"charge", "payment_intent"}),
            ),
            ("GET", re.compile(rf"/v1/disputes/{_ID}"), _retrieve(state, "dispute")),
            ("POST", re.compile(rf"/v1/disputes/{_ID}"), _by_id(state.update_dispute)),
            ("POST", re.compile(rf"/v1/disputes/{_ID}/close"), _by_id(state.close_dispute)),
            ("POST", re.compile(r"/v1/files"), _create_file(state)),
            (
                "GET",
                re.compile(r"/v1/charges"),
                _listing(state, "charge", {"customer", "payment_intent", "transfer_group"}),
            ),
            ("GET", re.compile(rf"/v1/charges/{_ID}"), _retrieve(state, "charge")),
            ("GET", re.compile(rf"/v1/events/{_ID}"), _retrieve(state, "event")),
            ("GET", re.compile(r"/v1/accounts"), _list_accounts(state)),
            ("GET", re.compile(rf"/v1/reviews/{_ID}"), _retrieve(state, "review")),
            ("GET", re.compile(rf"/v1/customers/{_ID}"), _retrieve(state, "customer")),
            (
                "GET",
                re.compile(r"/v1/radar/early_fraud_warnings"),
                _listing(state, "early_fraud_warning", {"charge", "payment_intent"}),
            ),
            (
                "GET",
                re.compile(rf"/v1/radar/early_fraud_warnings/{_ID}"),
                _retrieve(state, "early_fraud_warning"),
            ),
            ("POST", re.compile(r"/v1/refunds"), _create(state, create_refund)),
            ("GET", re.compile(rf"/v1/refunds/{_ID}"), _retrieve(state, "refund")),
            ("POST", re.compile(r"/v1/webhook_endpoints"), _on_account(endpoints.create)),
            ("GET", re.compile(r"/v1/webhook_endpoints"), _on_account(endpoints.list)),
            ("GET", re.compile(rf"/v1/webhook_endpoints/{_ID}"), _by_id(endpoints.retrieve)),
            ("POST", re.compile(rf"/v1/webhook_endpoints/{_ID}"), _by_id(endpoints.update)),
            ("DELETE", re.compile(rf"/v1/webhook_endpoints/{_ID}"), _by_id(endpoints.delete)),
        ]

    def resolve(self, method: str, path: str) -> tuple[Handler, tuple[str, ...]]:
        """The handler and the ids captured from the path; 405 for a known path, else 404."""
        allowed = False
        for route_method, pattern, handler in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                continue
            if route_method == method:
                return handler, match.groups()
            allowed = True
        if allowed:
            raise ApiError(405, f"{method} is not allowed on {path}")
        raise ApiError(404, f"Unrecognized request URL ({method}: {path}).")


def _listing(state: StripeState, kind: str, filters: set[str]) -> Handler:
    frozen = frozenset(filters)

    def listing(
        account: str, params: dict[str, Any], uploads: dict[str, Upload], args: tuple[str, ...]
    ) -> dict[str, Any]:
        return state.list_objects(kind, account, params, frozen)

    return listing


def _list_accounts(state: StripeState) -> Handler:
    def list_accounts(
        account: str, params: dict[str, Any], uploads: dict[str, Upload], args: tuple[str, ...]
    ) -> dict[str, Any]:
        return state.list_accounts(account, params)

    return list_accounts


def _retrieve(state: StripeState, kind: str) -> Handler:
    def retrieve(
        account: str, params: dict[str, Any], uploads: dict[str, Upload], args: tuple[str, ...]
    ) -> dict[str, Any]:
        return state.retrieve(kind, account, args[0])

    return retrieve


def _by_id(operation: ByIdOperation) -> Handler:
    """An operation on the object named by the path: ``operation(account, id, params)``."""

    def by_id(
        account: str, params: dict[str, Any], uploads: dict[str, Upload], args: tuple[str, ...]
    ) -> dict[str, Any]:
        return operation(account, args[0], params)

    return by_id


def _on_account(operation: Callable[[str, dict[str, Any]], dict[str, Any]]) -> Handler:
    """An operation on the account's collection: ``operation(account, params)``."""

    def on_account(
        account: str, params: dict[str, Any], uploads: dict[str, Upload], args: tuple[str, ...]
    ) -> dict[str, Any]:
        return operation(account, params)

    return on_account


def _create(
    state: StripeState, operation: Callable[[StripeState, str, dict[str, Any]], dict[str, Any]]
) -> Handler:
    def create(
        account: str, params: dict[str, Any], uploads: dict[str, Upload], args: tuple[str, ...]
    ) -> dict[str, Any]:
        return operation(state, account, params)

    return create


def _create_file(state: StripeState) -> Handler:
    def create_file(
        account: str, params: dict[str, Any], uploads: dict[str, Upload], args: tuple[str, ...]
    ) -> dict[str, Any]:
        return state.create_file(account, params, uploads)

    return create_file
