"""Webhook endpoints (``/v1/webhook_endpoints``): create, list, retrieve, update, delete.

As strict as Stripe in test mode, which is what a test key talks to:

* ``url`` and ``enabled_events`` are required on create; every event type must be one Stripe
  knows, or ``*`` (``event_types``: Stripe's OpenAPI list, as stripe-python's typed params carry
  it);
* the URL must be an absolute http(s) URL that Stripe could reach: ``localhost`` and loopback
  or private addresses are refused with Stripe's "URL must be publicly accessible" (use
  ``stripe listen`` locally). Plain ``http`` is accepted, as Stripe accepts it in test mode
  (live mode requires https; the emulator is always in test mode, ``livemode: false``);
* at most 16 endpoints per account; unknown parameters are refused;
* the signing ``secret`` appears only in the answer to the create call, never again.

Endpoints registered here are books only: the emulator keeps delivering its own events to the
``webhook_url`` it was started with.
"""

from __future__ import annotations

import copy
import ipaddress
import secrets
from typing import Any
from urllib.parse import urlsplit

from emulators.stripe.errors import ApiError, invalid, missing
from emulators.stripe.event_types import ENABLED_EVENTS
from emulators.stripe.listing import list_page
from emulators.stripe.params import bool_param, refuse_unknown
from emulators.stripe.state import Owned, StripeState

EVENT_TYPES = ENABLED_EVENTS
MAX_ENDPOINTS = 16
CREATE_PARAMS = frozenset(
    {"api_version", "connect", "description", "enabled_events", "expand", "metadata", "url"}
)
UPDATE_PARAMS = frozenset(
    {"description", "disabled", "enabled_events", "expand", "metadata", "url"}
)
LIST_PARAMS = frozenset({"limit", "starting_after", "ending_before", "expand"})
PUBLIC_URL_ADVICE = (
    "Invalid URL: URL must be publicly accessible. Consider using a tool like Stripe CLI to "
    "test webhooks locally: https://github.com/stripe/stripe-cli"
)


class WebhookEndpoints:
    """The endpoints of every account, kept beside (not inside) :class:`StripeState`, under
    its lock."""

    def __init__(self, state: StripeState) -> None:
        self._state = state
        self._endpoints: dict[str, Owned] = {}

    def create(self, account: str, params: dict[str, Any]) -> dict[str, Any]:
        refuse_unknown(params, CREATE_PARAMS)
        for required in ("url", "enabled_events"):
            if required not in params:
                raise invalid(
                    f"Missing required param: {required}.", code="parameter_missing", param=required
                )
        url = _url(params["url"])
        events = _events(params["enabled_events"])
        if "connect" in params:
            bool_param(params["connect"], "connect")
        with self._state.lock:
            if sum(1 for e in self._endpoints.values() if e.account == account) >= MAX_ENDPOINTS:
                raise invalid(
                    f"You have reached the maximum of {MAX_ENDPOINTS} test webhook endpoints.",
                    code="webhook_endpoints_limit",
                )
            endpoint_id = self._state.new_id("we")
            endpoint: dict[str, Any] = {
                "id": endpoint_id,
                "object": "webhook_endpoint",
                "api_version": params.get("api_version"),
                "application": None,
                "created": self._state.now(),
                "description": params.get("description") or None,
                "enabled_events": events,
                "livemode": False,
                "metadata": _metadata({}, params.get("metadata")),
                "status": "enabled",
                "url": url,
            }
            self._endpoints[endpoint_id] = Owned(account, endpoint)
            answer = copy.deepcopy(endpoint)
        answer["secret"] = "whsec_" + secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
        return answer

    def list(self, account: str, params: dict[str, Any]) -> dict[str, Any]:
        refuse_unknown(params, LIST_PARAMS)
        with self._state.lock:
            mine = [e.object for e in self._endpoints.values() if e.account == account]
            return list_page("webhook_endpoint", mine, params, frozenset())

    def retrieve(self, account: str, endpoint_id: str, params: dict[str, Any]) -> dict[str, Any]:
        refuse_unknown(params, {"expand"})
        with self._state.lock:
            return copy.deepcopy(self._owned(account, endpoint_id).object)

    def update(self, account: str, endpoint_id: str, params: dict[str, Any]) -> dict[str, Any]:
        refuse_unknown(params, UPDATE_PARAMS)
        url = _url(params["url"]) if "url" in params else None
        events = _events(params["enabled_events"]) if "enabled_events" in params else None
        disabled = bool_param(params["disabled"], "disabled") if "disabled" in params else None
        with self._state.lock:
            endpoint = self._owned(account, endpoint_id).object
            if url is not None:
                endpoint["url"] = url
            if events is not None:
                endpoint["enabled_events"] = events
            if disabled is not None:
                endpoint["status"] = "disabled" if disabled else "enabled"
            if "description" in params:
                endpoint["description"] = params["description"] or None
            if "metadata" in params:
                endpoint["metadata"] = _metadata(endpoint["metadata"], params["metadata"])
            return copy.deepcopy(endpoint)

    def delete(self, account: str, endpoint_id: str, params: dict[str, Any]) -> dict[str, Any]:
        refuse_unknown(params, set())
        with self._state.lock:
            self._owned(account, endpoint_id)
            del self._endpoints[endpoint_id]
        return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}

    def _owned(self, account: str, endpoint_id: str) -> Owned:
        owned = self._endpoints.get(endpoint_id)
        if owned is None or owned.account != account:
            raise missing("webhook_endpoint", endpoint_id, "id")
        return owned


def _url(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise invalid("Invalid URL: a URL must be provided.", code="url_invalid", param="url")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise invalid(
            "Invalid URL: An explicit scheme (such as https) must be provided.",
            code="url_invalid",
            param="url",
        )
    if not _public(parts.hostname):
        raise invalid(PUBLIC_URL_ADVICE, code="url_invalid", param="url")
    return value


def _public(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return True  # a name: Stripe resolves it when it delivers
    return address.is_global


def _events(value: Any) -> list[str]:
    if not isinstance(value, dict) or not value:
        raise invalid(
            "Invalid array: enabled_events must list at least one event type.",
            param="enabled_events",
        )
    events: list[str] = []
    for index in sorted(value, key=lambda key: int(key) if key.isdigit() else -1):
        event = value[index]
        if not index.isdigit() or not isinstance(event, str):
            raise invalid("Invalid array", param="enabled_events")
        if event not in EVENT_TYPES:
            raise invalid(
                f"Invalid enabled_events[{index}]: must be one of the event types Stripe sends "
                f"or '*', not {event!r}",
                param=f"enabled_events[{index}]",
            )
        if event not in events:
            events.append(event)
    return events


def _metadata(current: dict[str, str], value: Any) -> dict[str, str]:
    if value == "":
        return {}
    if value is None:
        return dict(current)
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ApiError(400, "Invalid hash", code="parameter_invalid", param="metadata")
    merged = dict(current)
    for key, text in value.items():
        if text == "":
            merged.pop(key, None)
        else:
            merged[key] = text
    return merged
