"""Signed, expiring tokens (HMAC-SHA256 with ``DISPUTES_SECRET_KEY``) for sessions and CSRF.
Each use has its own purpose string, so a token made for one can never pass as another (file
links have their own key, from :mod:`engine.storage.signing`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


class Signer:
    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(("disputes-web:" + secret_key).encode()).digest()

    def mac(self, purpose: str, message: str) -> str:
        digest = hmac.new(self._key, f"{purpose}\x00{message}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, purpose: str, value: str, expires_in: int, *, now: float | None = None) -> str:
        """``value`` (no dots allowed inside the encoded form) with an expiry and a MAC."""
        expires = int((now if now is not None else time.time()) + expires_in)
        encoded = base64.urlsafe_b64encode(value.encode()).rstrip(b"=").decode()
        body = f"{encoded}.{expires}"
        return f"{body}.{self.mac(purpose, body)}"

    def unsign(self, purpose: str, token: str | None, *, now: float | None = None) -> str | None:
        """The value, or ``None`` for a forged, malformed or expired token."""
        if not token or token.count(".") != 2:
            return None
        encoded, expires, mac = token.split(".")
        # Bytes, not str: compare_digest refuses non-ASCII text, and a cookie can hold anything.
        expected = self.mac(purpose, f"{encoded}.{expires}")
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            return None
        if not expires.isdigit() or int(expires) < (now if now is not None else time.time()):
            return None
        try:
            return base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
