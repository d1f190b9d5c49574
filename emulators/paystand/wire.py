"""How Paystand writes ids, timestamps and errors."""

from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_id() -> str:
    """An id shaped like Paystand's (24 lower-case letters and digits)."""
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(24))


def iso(moment: datetime) -> str:
    """Paystand's timestamp format: UTC, milliseconds, ``Z``."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class ApiError(Exception):
    """An error the emulated API answers with (status code and message)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
