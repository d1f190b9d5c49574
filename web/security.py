"""Response headers every page gets, and an access log that cannot leak the dashboard key.

uvicorn's own access log prints the query string (``?key=…``): ``disputes serve`` turns it off
and this middleware logs the path alone; :mod:`web.redaction` scrubs what any logger writes.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Iterable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from web.logs import request_id

access_log = logging.getLogger("disputes.access")
error_log = logging.getLogger("disputes.web")

BASE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_WEBHOOKS = "/webhooks/"
_STATIC_HEADERS = (
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook, so it covers every response — errors and unknown routes too.
    Headers a response set itself win (a file preview sets its own frame rules). Webhook
    answers go to processors, never to a browser: they are spared seven headers to validate
    and send. A coroutine: Litestar would run a plain function in a worker thread, twice for
    every response."""
    if message["type"] != "http.response.start" or scope.get("path", "").startswith(_WEBHOOKS):
        return
    headers = list(message.get("headers", []))
    present = {bytes(name).lower() for name, _ in headers}
    defaults: Iterable[tuple[bytes, bytes]] = (
        *_STATIC_HEADERS,
        (b"content-security-policy", BASE_CSP.encode()),
    )
    headers.extend((name, value) for name, value in defaults if name not in present)
    message["headers"] = headers


def access_log_middleware(app: ASGIApp) -> ASGIApp:
    """One line per request: client address, method, path (never the query string; a Paystand
    path token hidden), status, milliseconds — and a request id, taken from a sane incoming
    ``X-Request-ID`` (a proxy's) or made here, echoed in the response's ``X-Request-ID`` and
    stamped on every line logged while the request is handled (:mod:`web.logs`).

    Taken webhook deliveries are logged at DEBUG (see :func:`_routine`).

    The client is the TCP peer, or the address a trusted proxy forwarded: uvicorn rewrites the
    peer only for ``DISPUTES_TRUSTED_PROXIES`` (:mod:`web.proxies`)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        rid = incoming_request_id(scope) or new_request_id()
        token = request_id.set(rid)

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await app(scope, receive, recording_send)
        finally:
            raw_path = scope.get("path", "?")
            level = logging.DEBUG if _routine(raw_path, status) else logging.INFO
            if access_log.isEnabledFor(level):  # a taken webhook's line is usually off
                client = scope.get("client")
                address = client[0] if client else "-"
                method = scope.get("method", "?")
                path = _PAYSTAND_TOKEN.sub(r"\g<1>[redacted]", raw_path)
                duration = round((time.perf_counter() - started) * 1000, 1)
                access_log.log(
                    level,
                    "%s %s %d %.0fms client=%s",
                    method,
                    path,
                    status,
                    duration,
                    address,
                    extra={
                        "client": address,
                        "method": method,
                        "path": path,
                        "status": status,
                        "duration_ms": duration,
                    },
                )
            request_id.reset(token)

    return middleware


def _routine(path: str, status: int) -> bool:
    """A webhook delivery that was taken (2xx): the processors' steady traffic, each one
    recorded in the database already (``webhook_deliveries``: the dashboard, ``/metrics``).
    Its access line is DEBUG (``-vv``), so that a busy day does not bury everything else and
    a burst of webhooks does not pay a log write each; a refused delivery stays INFO."""
    return 200 <= status < 300 and path.startswith(_WEBHOOKS)


_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_PAYSTAND_TOKEN = re.compile(r"^(/webhooks/paystand/)[^/]+")


def new_request_id() -> str:
    """A request id: 32 random hex digits, like a UUID's, without asking the kernel for
    randomness on every request (an id correlates log lines; it guards nothing)."""
    return f"{random.getrandbits(128):032x}"


def incoming_request_id(scope: Scope) -> str | None:
    """The ``X-Request-ID`` a client or proxy sent, if it is a plain token of at most 128
    characters (letters, digits, ``._:-``); anything else is replaced, never logged."""
    for name, value in scope.get("headers", []):
        if bytes(name).lower() == b"x-request-id":
            text = bytes(value).decode("latin-1")
            return text if _SANE_REQUEST_ID.fullmatch(text) else None
    return None


async def log_server_error(exception: Exception, scope: Scope) -> None:
    """An ``after_exception`` hook: an error that becomes a 5xx is logged with its traceback
    (through the redacting handler); a 4xx is the client's doing and its access line says
    enough."""
    status = getattr(exception, "status_code", 500)
    if isinstance(status, int) and status < 500:
        return
    path = _PAYSTAND_TOKEN.sub(r"\g<1>[redacted]", scope.get("path", "?"))
    error_log.error(
        "%s %s failed: %s", scope.get("method", "?"), path, exception, exc_info=exception
    )
