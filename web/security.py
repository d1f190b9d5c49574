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


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    """Adds the headers a response did not set itself (a file preview sets its own frame
    rules), on every response including errors."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                defaults: Iterable[tuple[bytes, bytes]] = (
                    *_STATIC_HEADERS,
                    (b"content-security-policy", BASE_CSP.encode()),
                )
                headers.extend((n, v) for n, v in defaults if n not in present)
                message["headers"] = headers
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware


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
