"""The HTTP face of the emulator: routing, auth, ``Stripe-Account``, idempotency, faults.

A ``ThreadingHTTPServer`` in a background thread: it starts in milliseconds inside a test
fixture, and ``python -m emulators.stripe`` runs the same server for a demo.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from emulators.stripe.errors import ApiError
from emulators.stripe.faults import Faults
from emulators.stripe.forms import FormError, Upload, decode_multipart, decode_query
from emulators.stripe.state import PLATFORM_ACCOUNT, StripeState
from emulators.stripe.webhooks import WebhookSender

_ACCOUNT = re.compile(r"acct_[A-Za-z0-9]{1,64}")
_ID = r"([A-Za-z0-9_]+)"
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


@dataclass
class _Stored:
    fingerprint: str
    status: int
    body: bytes


Handler = Callable[[str, dict[str, Any], dict[str, Upload], tuple[str, ...]], dict[str, Any]]


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
        self._idempotent: dict[tuple[str, str], _Stored] = {}
        self._in_flight: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _handler_class(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/v1/disputes"), self._list_disputes),
            ("GET", re.compile(rf"/v1/disputes/{_ID}"), self._retrieve("dispute")),
            ("POST", re.compile(rf"/v1/disputes/{_ID}"), self._update_dispute),
            ("POST", re.compile(rf"/v1/disputes/{_ID}/close"), self._close_dispute),
            ("POST", re.compile(r"/v1/files"), self._create_file),
            ("GET", re.compile(r"/v1/charges"), self._list_charges),
            ("GET", re.compile(rf"/v1/charges/{_ID}"), self._retrieve("charge")),
            ("GET", re.compile(rf"/v1/events/{_ID}"), self._retrieve("event")),
            ("GET", re.compile(rf"/v1/reviews/{_ID}"), self._retrieve("review")),
        ]

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

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes | None]:
        """Answer one request: status, headers, body (``None``: drop the connection)."""
        parts = urlsplit(target)
        path = parts.path.rstrip("/") or "/"
        if path.startswith("/_emulator/"):
            return self._control(method, path, body)
        account_header = headers.get("stripe-account")
        key = headers.get("idempotency-key")
        status, extra, payload, fault, replayed = self._api(
            method, path, parts.query, headers, body, account_header, key
        )
        with self._lock:
            self.requests.append(
                RecordedRequest(method, path, account_header, key, status, fault, replayed)
            )
            self.state.counters.requests_by_account[account_header or PLATFORM_ACCOUNT] += 1
        return status, extra, payload

    def _api(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        account_header: str | None,
        key: str | None,
    ) -> tuple[int, dict[str, str], bytes | None, str | None, bool]:
        fault = self.faults.pick(method, path)
        if fault == "drop":
            status, _, _, _, replayed = self._answer(
                method, path, query, headers, body, account_header, key, None
            )
            return status, {}, None, fault, replayed
        return self._answer(method, path, query, headers, body, account_header, key, fault)

    def _answer(
        self,
        method: str,
        path: str,
        query: str,
        headers: dict[str, str],
        body: bytes,
        account_header: str | None,
        key: str | None,
        fault: str | None,
    ) -> tuple[int, dict[str, str], bytes | None, str | None, bool]:
        if fault == "hang":
            self.faults.release.wait(self.faults.hang_seconds)
            return 0, {}, None, fault, False
        if fault == "500":
            error = ApiError(500, "An unknown error occurred (injected).", type="api_error")
            return 500, {}, _json(error.body()), fault, False
        if fault == "429":
            error = ApiError(
                429,
                "Request rate limit exceeded (injected).",
                code="rate_limit",
                headers={"Stripe-Should-Retry": "true", "Retry-After": "1"},
            )
            return 429, error.headers, _json(error.body()), fault, False
        try:
            account = self._account(headers, account_header)
            params, uploads = _decode(method, query, headers, body)
            route, args = self._route(method, path)
        except ApiError as error:
            return error.status, error.headers, _json(error.body()), None, False
        if method != "POST" or key is None:
            status, extra, payload = self._run(route, account, params, uploads, args)
            return status, extra, payload, None, False
        if len(key) > 255:
            refusal = ApiError(400, "Idempotency keys must be at most 255 characters.")
            return 400, {}, _json(refusal.body()), None, False
        scope = (account, key)
        fingerprint = _fingerprint(method, path, params, uploads)
        with self._lock:
            stored = self._idempotent.get(scope)
            if stored is None and scope in self._in_flight:
                refusal = ApiError(
                    409,
                    "There is currently another in-progress request using this "
                    f"Idempotency-Key: {key}.",
                    type="idempotency_error",
                )
                return 409, {}, _json(refusal.body()), None, False
            if stored is None:
                self._in_flight.add(scope)
        if stored is not None:
            if stored.fingerprint != fingerprint:
                refusal = ApiError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                    type="idempotency_error",
                )
                return 400, {}, _json(refusal.body()), None, False
            return stored.status, {"Idempotent-Replayed": "true"}, stored.body, None, True
        try:
            status, extra, payload = self._run(route, account, params, uploads, args)
            if 200 <= status < 300 and payload is not None:
                with self._lock:
                    self._idempotent[scope] = _Stored(fingerprint, status, payload)
        finally:
            with self._lock:
                self._in_flight.discard(scope)
        extra = {**extra, "Idempotency-Key": key}
        return status, extra, payload, None, False

    def _run(
        self,
        route: Handler,
        account: str,
        params: dict[str, Any],
        uploads: dict[str, Upload],
        args: tuple[str, ...],
    ) -> tuple[int, dict[str, str], bytes | None]:
        try:
            return 200, {}, _json(route(account, params, uploads, args))
        except ApiError as error:
            return error.status, error.headers, _json(error.body())

    def _account(self, headers: dict[str, str], account_header: str | None) -> str:
        authorization = headers.get("authorization", "")
        scheme, _, api_key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not api_key.startswith(("sk_", "rk_")):
            raise ApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth.",
            )
        if account_header is None:
            return PLATFORM_ACCOUNT
        if not _ACCOUNT.fullmatch(account_header):
            raise ApiError(
                400, f"Invalid Stripe-Account header: {account_header!r}", code="account_invalid"
            )
        return account_header

    def _route(self, method: str, path: str) -> tuple[Handler, tuple[str, ...]]:
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

    # -- routes ------------------------------------------------------------------------------

    def _list_disputes(self, account: str, params: dict[str, Any], *_: Any) -> dict[str, Any]:
        return self.state.list_objects(
            "dispute", account, params, frozenset({"charge", "payment_intent"})
        )

    def _list_charges(self, account: str, params: dict[str, Any], *_: Any) -> dict[str, Any]:
        return self.state.list_objects(
            "charge", account, params, frozenset({"customer", "payment_intent", "transfer_group"})
        )

    def _retrieve(self, kind: str) -> Handler:
        def retrieve(
            account: str, params: dict[str, Any], uploads: dict[str, Upload], args: tuple[str, ...]
        ) -> dict[str, Any]:
            return self.state.retrieve(kind, account, args[0])

        return retrieve

    def _update_dispute(
        self,
        account: str,
        params: dict[str, Any],
        uploads: dict[str, Upload],
        args: tuple[str, ...],
    ) -> dict[str, Any]:
        return self.state.update_dispute(account, args[0], params)

    def _close_dispute(
        self,
        account: str,
        params: dict[str, Any],
        uploads: dict[str, Upload],
        args: tuple[str, ...],
    ) -> dict[str, Any]:
        return self.state.close_dispute(account, args[0], params)

    def _create_file(
        self,
        account: str,
        params: dict[str, Any],
        uploads: dict[str, Upload],
        args: tuple[str, ...],
    ) -> dict[str, Any]:
        return self.state.create_file(account, params, uploads)

    # -- control API (the demo seeds disputes through it) ----------------------------------------

    def _control(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if method == "POST" and path == "/_emulator/disputes":
            try:
                options = json.loads(body or b"{}")
                if not isinstance(options, dict):
                    raise TypeError("expected a JSON object")
                allowed = {"account", "amount", "currency", "reason", "status", "due_by"}
                dispute = self.state.add_dispute(
                    **{k: v for k, v in options.items() if k in allowed}
                )
            except (ValueError, TypeError) as error:
                return 400, {}, _json({"error": {"message": str(error)}})
            return 200, {}, _json(dispute)
        return 404, {}, _json({"error": {"message": f"no control route {method} {path}"}})


def _decode(
    method: str, query: str, headers: dict[str, str], body: bytes
) -> tuple[dict[str, Any], dict[str, Upload]]:
    try:
        if method == "GET":
            return decode_query(query), {}
        content_type = headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            return decode_multipart(body, content_type)
        return decode_query(body.decode("utf-8")), {}
    except (FormError, UnicodeDecodeError) as error:
        raise ApiError(400, f"Invalid request body: {error}") from None


def _fingerprint(method: str, path: str, params: dict[str, Any], uploads: dict[str, Upload]) -> str:
    files = {
        name: [upload.filename, hashlib.sha256(upload.data).hexdigest()]
        for name, upload in uploads.items()
    }
    canonical = json.dumps([method, path, params, files], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload).encode()


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
