"""Keyset cursors for lists ordered newest first by (moment, primary key): opaque to clients,
and a seek on the list's index for the next page, at any depth."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime


class BadKeyset(ValueError):
    """The cursor is not one this engine handed out."""


def encode_keyset(moment: datetime, pk: int) -> str:
    text = f"{moment.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode()


def decode_keyset(cursor: str) -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, pk = text.partition("|")
        parsed = datetime.fromisoformat(moment)
        if parsed.tzinfo is None:
            raise ValueError("naive")
        return parsed, int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise BadKeyset("cursor is not one this API handed out") from None
