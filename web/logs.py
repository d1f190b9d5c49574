"""The one logging set-up, for every ``disputes`` command (stdlib ``dictConfig``).

* One handler, on stderr, in one format: ``DISPUTES_LOG_FORMAT=text`` (the default: time,
  level, logger, message) or ``json`` (one object per line: ``time``, ``level``, ``logger``,
  ``message``, and for lines written while a request is handled ``request_id`` — the access
  line adds ``client``, ``method``, ``path``, ``status``, ``duration_ms``).
* Every record passes :class:`web.redaction.RedactSecrets` on that handler: no configured
  secret is written in either format.
* Levels: the engine's own loggers (``disputes.*``) at WARNING for one-shot commands and INFO
  for the long-running ones (``serve``, ``worker``), whose access lines and progress are the
  point; every other library at WARNING. ``-v`` lowers the engine to INFO and the libraries to
  INFO, ``-vv`` everything to DEBUG. WeasyPrint and fontTools stay at WARNING even then: they
  log each CSS and font step.
* Nobody else configures logging: the app is built without Litestar's logging config and
  uvicorn runs with ``log_config=None``, so neither replaces these handlers or levels.
"""

from __future__ import annotations

import json
import logging
import logging.config
import os
import sys
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

from engine.errors import SettingError
from engine.settings import PREFIX, Settings
from web.redaction import RedactSecrets, secrets_in, secrets_of

FORMATS = ("text", "json")
FORMAT_VARIABLE = "DISPUTES_LOG_FORMAT"
VENDOR_LOGGERS = (
    "alembic",
    "asyncio",
    "boto3",
    "botocore",
    "httpcore",
    "httpx",
    "litestar",
    "PIL",
    "s3transfer",
    "sqlalchemy",
    "stripe",
    "urllib3",
    "uvicorn",
    "uvicorn.access",
    "uvicorn.asgi",
    "uvicorn.error",
)
ALWAYS_QUIET = ("weasyprint", "fontTools")
REQUEST_FIELDS = ("request_id", "client", "method", "path", "status", "duration_ms")

request_id: ContextVar[str | None] = ContextVar("disputes_request_id", default=None)
"""The id of the request being handled, set by the access middleware (:mod:`web.security`);
copied into the worker threads Litestar runs sync handlers in, like every context variable."""


def log_format(value: str | None) -> str:
    """``DISPUTES_LOG_FORMAT``: ``text`` when unset."""
    chosen = (value or "text").strip().lower()
    if chosen not in FORMATS:
        raise SettingError(FORMAT_VARIABLE, f"must be text or json, not {value!r}")
    return chosen


def configure_logging(
    verbosity: int = 0,
    *,
    settings: Settings | None = None,
    service: bool = False,
    stream: IO[str] | None = None,
) -> None:
    """Configure logging for this process. Without ``settings`` (before they are read, or for a
    command that needs none) the format and secrets come from the environment alone; called
    again with the settings, the configuration is replaced, not added to."""
    if settings is not None:
        values: Mapping[str, str] = settings.values
        secrets = secrets_of(settings)
    else:
        values = {
            name.removeprefix(PREFIX): value
            for name, value in os.environ.items()
            if name.startswith(PREFIX)
        }
        secrets = secrets_in(values, {}, os.environ)
    logging.config.dictConfig(
        logging_config(
            verbosity,
            log_format(values.get("LOG_FORMAT")),
            secrets,
            service=service,
            stream=stream,
        )
    )


def logging_config(
    verbosity: int,
    chosen_format: str,
    secrets: Iterable[str],
    *,
    service: bool = False,
    stream: IO[str] | None = None,
) -> dict[str, Any]:
    """The ``dictConfig`` document (see the module docstring for the levels)."""
    if verbosity >= 2:
        engine_level = vendor_level = "DEBUG"
    elif verbosity == 1:
        engine_level = vendor_level = "INFO"
    else:
        engine_level, vendor_level = ("INFO" if service else "WARNING"), "WARNING"
    loggers: dict[str, Any] = {name: {"level": vendor_level} for name in VENDOR_LOGGERS}
    loggers.update({name: {"level": "WARNING"} for name in ALWAYS_QUIET})
    loggers["disputes"] = {"level": engine_level}
    if service:
        # "Uvicorn running on http://…": where the server listens is what serve is run for.
        loggers["uvicorn.error"] = {"level": "INFO" if verbosity < 2 else "DEBUG"}
    handler: dict[str, Any] = {
        "()": StderrHandler if stream is None else logging.StreamHandler,
        "formatter": chosen_format,
        "filters": ["request", "redact"],
    }
    if stream is not None:
        handler["stream"] = stream
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request": {"()": RequestContext},
            "redact": {"()": RedactSecrets, "secrets": list(secrets)},
        },
        "formatters": {"text": {"()": TextFormatter}, "json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "loggers": loggers,
        "root": {"level": vendor_level, "handlers": ["stderr"]},
    }


class StderrHandler(logging.StreamHandler[IO[str]]):
    """Writes to ``sys.stderr`` as it is when a line is written, not when logging was set up:
    whoever swaps it (pytest's capture, a test calling ``main``) never leaves a closed file."""

    @property
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


class RequestContext(logging.Filter):
    """Stamps the current request's id on every record written while it is handled."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    """``2026-03-01 12:00:00,123 INFO disputes.access: GET /disputes 200 4ms client=…
    request_id=…`` — the request id closes every line written during a request."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        rid = getattr(record, "request_id", None)
        return f"{line} request_id={rid}" if rid else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line; the exception, when there is one, as one string field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in REQUEST_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)
