"""The HTTP face of the emulator: the request log, faults, then auth, routing and idempotency.

A ``ThreadingHTTPServer`` in a background thread: it starts in milliseconds inside a test
fixture, and ``python -m emulators.stripe`` runs the same server for a demo. The wire format is
in ``wire``, the route table in ``routes``, replaying keyed POSTs in ``idempotency``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from emulators.stripe.errors import ApiError, no_access
from emulators.stripe.faults import Faults
from emulators.stripe.idempotency import IdempotencyStore, fingerprint
from emulators.stripe.radar import add_early_fraud_warning
from emulators.stripe.routes import Router
from emulators.stripe.state import PLATFORM_ACCOUNT, StripeState
from emulators.stripe.webhooks import WebhookSender
from emulators.stripe.wire import (
    Response,
    authenticated_account,
    decode_params,
    error_response,
    to_json,
)

MAX_BODY = 20 * 1024 * 1024


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    account: str | None
    """The ``Stripe-Account`` header as sent (``None`` when absent)."""
    idempotency_key: str | None
    status: int
    fault: str | None
    replayed: bool = False
    query: str = ""
    """The query string as sent (list filters such as ``created[gte]``)."""


@dataclass(frozen=True)
class _Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    account_header: str | None
    idempotency_key: str | None


@dataclass(frozen=True)
class _Outcome:
    response: Response
    fault: str | None = None
    replayed: bool = False


class StripeEmulator:
    """A Stripe API on ``127.0.0.1``. ``url`` is the base for ``DISPUTES_STRIPE_API_BASE``."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_url: str | None = None,
        webhook_secret: str = "whsec_emulator_secret",  # noqa: S107 - a local test secret
        seed: int = 0,
    ) -> None:
        self.state = StripeState()
        self.faults = Faults(seed=seed)
        self.webhooks = WebhookSender(url=webhook_url, secret=webhook_secret)
        self.state.listeners.append(self.webhooks.enqueue)
        self.requests: list[RecordedRequest] = []
        self._router = Router(self.state)
        self._idempotency = IdempotencyStore()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_class(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> StripeEmulator:
        self.webhooks.start()
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="stripe-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.faults.clear()
        self._server.shutdown()
        self._server.server_close()
        self.webhooks.stop()

    def __enter__(self) -> StripeEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- assertions helpers --------------------------------------------------------------------

    def requests_for(self, method: str, path_pattern: str) -> list[RecordedRequest]:
        pattern = re.compile(path_pattern)
        with self._lock:
            return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    # -- request handling ------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Response:
        """Answer one request: status, headers, body (``None``: drop the connection)."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        if path.startswith("/_emulator/"):
            return self._control(method, path, body)
        request = _Request(
            method=method,
            path=path,
            query=parts.query,
            headers=headers,
            body=body,
            account_header=headers.get("stripe-account"),
            idempotency_key=headers.get("idempotency-key"),
        )
        outcome = self._with_faults(request)
        status, extra, payload = outcome.response
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    method,
                    path,
                    request.account_header,
                    request.idempotency_key,
                    status,
                    outcome.fault,
                    outcome.replayed,
                    request.query,
                )
            )
            self.state.counters.requests_by_account[request.account_header or PLATFORM_ACCOUNT] += 1
        return status, extra, payload

    def _with_faults(self, request: _Request) -> _Outcome:
        account = request.account_header
        if account is not None and self.faults.denies(account):
            return _Outcome(error_response(no_access(account)), "403")
        fault = self.faults.pick(request.method, request.path)
        if fault == "drop":
            # The request is carried out, but the client never hears back: a lost response.
            outcome = self._answer(request)
            return _Outcome((outcome.response[0], {}, None), fault, outcome.replayed)
        if fault == "hang":
            self.faults.release.wait(self.faults.hang_seconds)
            return _Outcome((0, {}, None), fault)
        if fault == "500":
            error = ApiError(500, "An unknown error occurred (injected).", type="api_error")
            return _Outcome((500, {}, to_json(error.body())), fault)
        if fault == "429":
            error = ApiError(
                429,
                "Request rate limit exceeded (injected).",
                code="rate_limit",
                headers={"Stripe-Should-Retry": "true", "Retry-After": "1"},
            )
            return _Outcome(error_response(error), fault)
        return self._answer(request)

    def _answer(self, request: _Request) -> _Outcome:
        try:
            account = authenticated_account(request.headers, request.account_header)
            params, uploads = decode_params(
                request.method, request.query, request.headers, request.body
            )
            route, args = self._router.resolve(request.method, request.path)
        except ApiError as error:
            return _Outcome(error_response(error))

        def execute() -> Response:
            try:
                return 200, {}, to_json(route(account, params, uploads, args))
            except ApiError as error:
                return error_response(error)

        key = request.idempotency_key
        if request.method != "POST" or key is None:
            return _Outcome(execute())
        response, replayed = self._idempotency.run(
            account, key, fingerprint(request.method, request.path, params, uploads), execute
        )
        return _Outcome(response, replayed=replayed)

    # -- control API (the demo seeds disputes through it) ----------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> Response:
        """``POST /_emulator/{customers,charges,disputes,early_fraud_warnings}`` with a JSON
        object of the keyword arguments the seeder takes (``CONTROL_OPTIONS``); answers the new
        object."""
        kind = path.removeprefix("/_emulator/")
        if method != "POST" or kind not in CONTROL_OPTIONS:
            return 404, {}, to_json({"error": {"message": f"no control route {method} {path}"}})
        seeders: dict[str, Callable[..., dict[str, Any]]] = {
            "customers": self.state.add_customer,
            "charges": self.state.add_charge,
            "disputes": self.state.add_dispute,
            "early_fraud_warnings": lambda **options: add_early_fraud_warning(
                self.state, **options
            ),
        }
        seed = seeders[kind]
        try:
            options = json.loads(body or b"{}")
            if not isinstance(options, dict):
                raise TypeError("expected a JSON object")
            unknown = set(options) - CONTROL_OPTIONS[kind]
            if unknown:
                raise TypeError(f"unknown option(s) for {kind}: {', '.join(sorted(unknown))}")
            created = seed(**options)
        except (ValueError, TypeError, KeyError) as error:
            return 400, {}, to_json({"error": {"message": str(error)}})
        return 200, {}, to_json(created)


CONTROL_OPTIONS = {
    "customers": frozenset({"account", "name", "email", "address", "phone"}),
    "charges": frozenset(
        {
            "account",
            "amount",
            "currency",
            "customer",
            "status",
            "amount_refunded",
            "billing_details",
            "ip_address",
            "created",
            "card",
            "description",
            "shipping",
        }
    ),
    "disputes": frozenset(
        {
            "account",
            "amount",
            "currency",
            "reason",
            "status",
            "due_by",
            "charge",
            "created",
            "network_reason_code",
            "enhanced_eligibility_types",
        }
    ),
    "early_fraud_warnings": frozenset({"charge_id", "fraud_type", "actionable"}),
}
"""What the control API passes on to seeding; anything else is refused (a typo must not be
silently ignored by a demo script)."""


def _handler_class(emulator: StripeEmulator) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "stripe-emulator/1"
        disable_nagle_algorithm = True  # one small response must not wait for a delayed ACK

        def log_message(self, format: str, *args: Any) -> None:
            return  # the request log on the emulator is the record; keep test output clean

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self.send_error(413)
                return
            body = self.rfile.read(length) if length else b""
            headers = {key.lower(): value for key, value in self.headers.items()}
            status, extra, payload = emulator.handle(self.command, self.path, headers, body)
            if payload is None:
                self.close_connection = True
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_emu{id(payload):x}")
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _serve
        do_POST = _serve
        do_DELETE = _serve

    return _Handler
