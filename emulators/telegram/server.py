"""The Bot API's ``sendMessage`` (and ``getMe``), strict about what Telegram refuses.

Runs as a real HTTP server on 127.0.0.1 in a thread. Tests read :attr:`TelegramEmulator.messages`
and inject faults with :meth:`TelegramEmulator.fail_next`: the next requests get a 500, or a 429
with ``parameters.retry_after`` as Telegram sends it.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

MAX_TEXT = 4096


@dataclass(frozen=True)
class SentMessage:
    message_id: int
    chat_id: str
    text: str
    token: str


@dataclass(frozen=True)
class Fault:
    status: int
    retry_after: int | None = None


@dataclass
class _State:
    tokens: set[str]
    chats: set[str]
    messages: list[SentMessage] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class TelegramEmulator:
    """``with TelegramEmulator(tokens={"1:AA"}, chats={"42"}) as telegram: telegram.url``"""

    def __init__(
        self, *, tokens: set[str], chats: set[str], host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._state = _State(tokens=set(tokens), chats=set(chats))
        self._server = ThreadingHTTPServer((host, port), _handler_for(self._state))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def messages(self) -> list[SentMessage]:
        with self._state.lock:
            return list(self._state.messages)

    @property
    def requests(self) -> int:
        """Every sendMessage request received, answered or failed."""
        with self._state.lock:
            return self._state.requests

    def fail_next(self, status: int, *, times: int = 1, retry_after: int | None = None) -> None:
        with self._state.lock:
            for _ in range(times):
                self._state.faults.append(Fault(status, retry_after))

    def start(self) -> TelegramEmulator:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> TelegramEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler_for(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the path holds the bot token."""

        def do_GET(self) -> None:
            token, method = self._route()
            if token is None or method is None:
                self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            elif token not in state.tokens:
                self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            elif method == "getMe":
                self._answer(200, {"ok": True, "result": {"id": 1, "is_bot": True}})
            else:
                self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})

        def do_POST(self) -> None:
            token, method = self._route()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if token is None or method is None:
                self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            if token not in state.tokens:
                self._answer(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            if method != "sendMessage":
                self._answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            with state.lock:
                state.requests += 1
                fault = state.faults.popleft() if state.faults else None
            if fault is not None:
                self._fault(fault)
                return
            params = self._params(body)
            if params is None:
                self._bad("Bad Request: can't parse request body")
                return
            chat_id, text = params.get("chat_id"), params.get("text")
            if chat_id is None or str(chat_id) == "":
                self._bad("Bad Request: chat_id is empty")
            elif not isinstance(text, str) or not text.strip():
                self._bad("Bad Request: message text is empty")
            elif len(text) > MAX_TEXT:
                self._bad("Bad Request: message is too long")
            elif "parse_mode" in params and params["parse_mode"] not in (
                "HTML",
                "Markdown",
                "MarkdownV2",
            ):
                self._bad("Bad Request: unsupported parse_mode")
            elif str(chat_id) not in state.chats:
                self._bad("Bad Request: chat not found")
            else:
                with state.lock:
                    message = SentMessage(len(state.messages) + 1, str(chat_id), text, token)
                    state.messages.append(message)
                self._answer(
                    200,
                    {
                        "ok": True,
                        "result": {
                            "message_id": message.message_id,
                            "chat": {"id": message.chat_id},
                            "text": text,
                        },
                    },
                )

        def _route(self) -> tuple[str | None, str | None]:
            parts = self.path.split("?", 1)[0].strip("/").split("/")
            if len(parts) != 2 or not parts[0].startswith("bot"):
                return None, None
            return parts[0][3:], parts[1]

        def _params(self, body: bytes) -> dict[str, Any] | None:
            content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
            try:
                if content_type == "application/json":
                    decoded = json.loads(body or b"{}")
                    return decoded if isinstance(decoded, dict) else None
                if content_type in ("application/x-www-form-urlencoded", ""):
                    return {k: v[0] for k, v in parse_qs(body.decode()).items()}
            except (ValueError, UnicodeDecodeError):
                return None
            return None

        def _fault(self, fault: Fault) -> None:
            if fault.status == 429:
                retry_after = fault.retry_after or 1
                self._answer(
                    429,
                    {
                        "ok": False,
                        "error_code": 429,
                        "description": f"Too Many Requests: retry after {retry_after}",
                        "parameters": {"retry_after": retry_after},
                    },
                )
            else:
                self._answer(
                    fault.status,
                    {
                        "ok": False,
                        "error_code": fault.status,
                        "description": "Internal Server Error",
                    },
                )

        def _bad(self, description: str) -> None:
            self._answer(400, {"ok": False, "error_code": 400, "description": description})

        def _answer(self, status: int, document: dict[str, Any]) -> None:
            data = json.dumps(document).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
