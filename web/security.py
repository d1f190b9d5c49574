"""Response headers every page gets, and an access log that cannot leak the dashboard key.

uvicorn's own access log prints the query string (``?key=…``): ``disputes serve`` turns it off
and this middleware logs the path alone. :class:`RedactKeyFilter` also scrubs any ``key=``
from the ``uvicorn.access`` logger for deployments that run the app under their own server.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

access_log = logging.getLogger("disputes.access")

BASE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; frame-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_STATIC_HEADERS = (
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def add_security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook, so it covers every response — errors and unknown routes too.
    Headers a response set itself win (a file preview sets its own frame rules)."""
    if message["type"] != "http.response.start":
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
    """One line per request: method, path (never the query string), status, milliseconds."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await app(scope, receive, recording_send)
        finally:
            access_log.info(
                "%s %s %d %.0fms",
                scope.get("method", "?"),
                scope.get("path", "?"),
                status,
                (time.perf_counter() - started) * 1000,
            )

    return middleware


_KEY_IN_QUERY = re.compile(r"([?&]key=)[^&\s\"]*", re.IGNORECASE)


class RedactKeyFilter(logging.Filter):
    """Replaces the value of any ``key=`` query parameter in a log record with ``***``."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                _KEY_IN_QUERY.sub(r"\1***", arg) if isinstance(arg, str) else arg
                for arg in (record.args if isinstance(record.args, tuple) else (record.args,))
            )
        if isinstance(record.msg, str):
            record.msg = _KEY_IN_QUERY.sub(r"\1***", record.msg)
        return True


def install_log_redaction() -> None:
    logger = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactKeyFilter) for f in logger.filters):
        logger.addFilter(RedactKeyFilter())
