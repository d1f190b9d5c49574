"""Signed, expiring links for files the web app serves itself (local storage has no links).

The web app hands out ``/files/{name}?expires=E&signature=S``; :func:`verify_file_link` checks
both before a byte is read. The key is derived from the secret key for this one purpose, so a
file signature can never be replayed as a session or CSRF token (or the other way round).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from engine.storage.names import is_object_name

_PURPOSE = b"disputes:file-link:v1"


def _link_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _PURPOSE, hashlib.sha256).digest()


def sign_file_link(secret_key: str, name: str, expires: int) -> str:
    """The signature for serving object ``name`` until unix time ``expires``."""
    message = f"{name}\n{expires}".encode()
    return hmac.new(_link_key(secret_key), message, hashlib.sha256).hexdigest()


def file_link_query(
    secret_key: str, name: str, expires_in: int, *, now: float | None = None
) -> dict[str, str]:
    """Query parameters for a link to ``name`` valid ``expires_in`` seconds from ``now``."""
    expires = int(now if now is not None else time.time()) + expires_in
    return {"expires": str(expires), "signature": sign_file_link(secret_key, name, expires)}


def verify_file_link(
    secret_key: str, name: str, expires: str | int, signature: str, *, now: float | None = None
) -> bool:
    """Whether the link is authentic, unexpired, and names a well-formed object."""
    if not is_object_name(name):
        return False
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        return False
    if expires_at < (now if now is not None else time.time()):
        return False
    if not signature.isascii():
        # compare_digest raises TypeError on non-ASCII text; such a signature is simply wrong.
        return False
    expected = sign_file_link(secret_key, name, expires_at)
    return hmac.compare_digest(expected, signature)
