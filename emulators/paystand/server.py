"""The Paystand emulator's HTTP side: the routes the engine calls, under ``/v3``, plus a small
control API (``/_emulator/...``) for driving it by hand when it runs as a process.

Strict where Paystand is: every API call needs ``Authorization: Bearer`` with a live token and
the merchant's ``X-CUSTOMER-ID`` (401 otherwise); unknown ids answer 404.
"""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from emulators.paystand.state import Json, PaystandState
from emulators.paystand.wire import ApiError

log = logging.getLogger("emulators.paystand")

API_PREFIX = "/v3"


class PaystandEmulator:
    """A running emulator on 127.0.0.1. Use as a context manager or call start()/stop().

    ``webhook_url`` is where :meth:`deliver` posts events, as Paystand posts to every URL
    registered in the merchant's dashboard.
    """

    def __init__(
        self,
        *,
        client_id: str = "emulated-client",
        client_secret: str = "emulated-secret",  # noqa: S107 - a local emulator's default
        customer_id: str = "emulated-customer",
        token_ttl: float = 14 * 24 * 3600,
        webhook_url: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.state = PaystandState(
            client_id=client_id,
            client_secret=client_secret,
            customer_id=customer_id,
            token_ttl=token_ttl,
        )
        self.webhook_url = webhook_url
        self.deliveries: list[tuple[str, int]] = []
        """``(event id, HTTP status the webhook answered)`` for every delivery."""
        self._stopping = threading.Event()
        self._server = _Server((host, port), _Handler)
        self._server.emulator = self
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The API base, as ``DISPUTES_PAYSTAND_API_BASE`` takes it."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{API_PREFIX}"

    def start(self) -> PaystandEmulator:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # quick shutdown between tests
            name="paystand-emulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> PaystandEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def deliver(self, event: Json, *, url: str | None = None, timeout: float = 15.0) -> int:
        """POST ``event`` to the webhook URL as Paystand does (15 s timeout); returns the
        status code the receiver answered."""
        target = url or self.webhook_url
        if target is None:
            raise ValueError("no webhook URL configured")
        response = httpx.post(
            target,
            content=json.dumps(event).encode(),
            headers={"content-type": "application/json", "user-agent": "Paystand-Webhooks"},
            timeout=timeout,
        )
        self.deliveries.append((event["id"], response.status_code))
        return response.status_code

    def hang(self, seconds: float) -> None:
        """Sleep like a stuck server, cut short when the emulator stops."""
        self._stopping.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: PaystandEmulator


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        emulator = self.server.emulator
        state = emulator.state
        parts = urlsplit(self.path)
        body = self._read_body()
        try:
            if parts.path.startswith("/_emulator/"):
                self._send(200, _control(emulator, method, parts.path, body))
                return
            if not parts.path.startswith(API_PREFIX + "/"):
                raise ApiError(404, "no such route")
            path = parts.path[len(API_PREFIX) :]
            state.requests.append((method, path))
            fault = state.faults.next_for(path)
            if fault is not None and fault.kind == "hang":
                emulator.hang(fault.seconds)
                self.close_connection = True
                return
            if fault is not None:
                raise ApiError(fault.status, "injected failure")
            self._send(200, self._route(state, method, path, parts.query, body))
        except ApiError as error:
            self._send(error.status, {"error": {"code": error.status, "message": error.message}})
        except (BrokenPipeError, ConnectionResetError):  # the client gave up first
            self.close_connection = True

    def _route(self, state: PaystandState, method: str, path: str, query: str, body: bytes) -> Json:
        if method == "POST" and path == "/oauth/token":
            return state.issue_token(_form(body, self.headers.get("content-type", "")))
        state.authorize(self.headers.get("authorization"), self.headers.get("x-customer-id"))
        segments = path.strip("/").split("/")
        if method == "GET" and segments == ["disputes"]:
            return state.list_disputes(dict(parse_qsl(query, keep_blank_values=True)))
        if method == "GET" and len(segments) == 2 and segments[0] == "disputes":
            return state.get_dispute(segments[1])
        if method == "POST" and len(segments) == 3 and segments[::2] == ["events", "verify"]:
            return state.verify_event(segments[1])
        raise ApiError(404, "no such route")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, payload: Json) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _form(body: bytes, content_type: str) -> dict[str, str]:
    """The token request's fields, sent as JSON (Paystand's examples) or as a form."""
    try:
        if content_type.startswith("application/json"):
            decoded = json.loads(body or b"{}")
            if not isinstance(decoded, dict):
                raise ApiError(400, "the token request must be a JSON object")
            return {str(k): str(v) for k, v in decoded.items()}
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "the token request body cannot be read") from None


def _control(emulator: PaystandEmulator, method: str, path: str, body: bytes) -> Json:
    """``POST /_emulator/disputes`` opens a dispute; ``POST /_emulator/disputes/{id}/status``
    with ``{"status": ...}`` moves it. Both deliver the event to the webhook URL, if any."""
    if method != "POST":
        raise ApiError(405, "control routes take POST")
    try:
        options = json.loads(body or b"{}")
    except ValueError:
        raise ApiError(400, "the control request must be JSON") from None
    segments = path.strip("/").split("/")[1:]
    if segments == ["disputes"]:
        allowed = {"amount", "currency", "reason", "payer_name", "payer_email", "source_type"}
        texts: dict[str, Any] = {k: str(v) for k, v in options.items() if k in allowed}
        _, event = emulator.state.create_dispute(**texts)
    elif len(segments) == 3 and segments[0] == "disputes" and segments[2] == "status":
        event = emulator.state.transition(segments[1], str(options.get("status", "")))
    else:
        raise ApiError(404, "no such control route")
    delivered = emulator.deliver(event) if emulator.webhook_url else None
    return {"event": event, "delivered": delivered}
