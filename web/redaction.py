"""No configured secret reaches a log line, whoever writes it.

:class:`RedactSecrets` sits on the one log handler (:mod:`web.logs`), so it sees every record
of every logger — the engine's, stripe-python's, httpx's request lines (the Telegram bot token
is part of the URL), uvicorn's, an exception's traceback — and replaces each configured secret
with ``[redacted]`` in the message, its arguments, the exception text and any extra field.

What counts as a secret (:func:`secrets_of`): every setting whose name ends in ``_KEY``,
``_SECRET``, ``_TOKEN`` or ``_PASSWORD`` (the Stripe key and webhook secrets, the Paystand
client secret and webhook path token, the Telegram bot token, the dashboard key, the secret
key), the Paystand client id, the password of every URL in the settings and the TOML file's
sections (the database, the merchant app's database), and boto3's S3 credentials from the
environment. Each also in its percent-encoded form, as it appears in a URL. Besides, the value
of any ``key=`` query parameter (a wrong dashboard key is no secret of ours, but it may be
someone's next guess) and the path segment after ``/webhooks/paystand/`` (a token from before
a rotation) are hidden too.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from engine.settings import Settings

REDACTED = "[redacted]"
SECRET_SUFFIXES = ("_KEY", "_SECRET", "_TOKEN", "_PASSWORD")
ALSO_SECRET = ("PAYSTAND_CLIENT_ID",)
"""Settings that are credentials without a secret-sounding name."""
ENVIRONMENT_SECRETS = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
"""boto3 reads the S3 credentials from the environment (DISPUTES_S3_ENDPOINT_URL's chain)."""
MIN_SECRET_LENGTH = 4
"""Shorter values would blank out ordinary words; no real credential is that short."""

_KEY_PARAMETER = re.compile(r"([?&]key=)[^&\s\"']+", re.IGNORECASE)
_PAYSTAND_PATH = re.compile(r"(/webhooks/paystand/)[^/?\s\"']+")
_STANDARD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


def secrets_of(settings: Settings, environ: Mapping[str, str] | None = None) -> list[str]:
    """Every secret the engine is configured with (see the module docstring)."""
    return secrets_in(
        settings.values, settings.sections, os.environ if environ is None else environ
    )


def secrets_in(
    values: Mapping[str, str], sections: Mapping[str, Any], environ: Mapping[str, str]
) -> list[str]:
    """The secrets among ``DISPUTES_*`` ``values`` (names without the prefix), the TOML
    ``sections`` and boto3's ``environ``."""
    found: set[str] = set()
    for name, value in values.items():
        if name.upper().endswith(SECRET_SUFFIXES) or name.upper() in ALSO_SECRET:
            # Several Stripe webhook secrets are given comma-separated, for rotation.
            found.update(part.strip() for part in str(value).split(","))
        found.update(_url_passwords(value))
    for value in _strings(sections):
        found.update(_url_passwords(value))
    for name in ENVIRONMENT_SECRETS:
        found.add(environ.get(name, ""))
    variants = {form for secret in found for form in (secret, quote(secret, safe=""))}
    return sorted(
        (secret for secret in variants if len(secret) >= MIN_SECRET_LENGTH),
        key=lambda secret: (-len(secret), secret),
    )


def _url_passwords(value: object) -> Iterator[str]:
    if not isinstance(value, str) or "://" not in value:
        return
    try:
        password = urlsplit(value.strip()).password
    except ValueError:
        return
    if password:
        yield password
        yield unquote(password)


def _strings(node: object) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, Mapping):
        for child in node.values():
            yield from _strings(child)
    elif isinstance(node, list | tuple):
        for child in node:
            yield from _strings(child)


class Redactor:
    """Replaces the secrets it was given, ``key=`` values and Paystand path tokens."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        longest_first = sorted(set(secrets), key=lambda secret: (-len(secret), secret))
        self._secrets = (
            re.compile("|".join(re.escape(secret) for secret in longest_first))
            if longest_first
            else None
        )
        # One scan tells whether there is anything to replace: most lines hold nothing.
        self._anything = re.compile(
            "|".join(
                [
                    *([self._secrets.pattern] if self._secrets is not None else []),
                    _KEY_PARAMETER.pattern,
                    _PAYSTAND_PATH.pattern,
                ]
            ),
            re.IGNORECASE,
        )

    def __call__(self, text: str) -> str:
        if not self._anything.search(text):
            return text
        if self._secrets is not None:
            text = self._secrets.sub(REDACTED, text)
        text = _KEY_PARAMETER.sub(rf"\g<1>{REDACTED}", text)
        return _PAYSTAND_PATH.sub(rf"\g<1>{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """A handler filter: the record leaves with its message rendered and redacted (``args``
    emptied), its exception and stack text redacted, and every extra string field too."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.redact = Redactor(secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        fields = vars(record)
        for name in fields.keys() - _STANDARD_FIELDS:
            value = fields[name]
            if isinstance(value, str):
                fields[name] = self.redact(value)
        return True
