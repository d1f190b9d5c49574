"""Dashboard and API access: the dashboard key, the session cookie it is exchanged for, CSRF.

* ``GET /disputes?key=K`` is accepted once: the key is compared in constant time, exchanged for
  a signed HttpOnly SameSite cookie, and the browser is sent (303) to the same URL without it.
* ``/api/*`` takes ``Authorization: Bearer K`` (no cookie, so no CSRF) or the session cookie
  (then a POST needs the ``X-CSRF-Token`` header).
* Every dashboard POST carries the session's CSRF token as a form field.
* No key configured: the dashboard and the API answer 503 naming ``DISPUTES_DASHBOARD_KEY``.
* Every key presented (``?key=``, the sign-in form, ``Bearer``) goes through the per-address
  throttle in :mod:`web.throttle`: too many wrong ones and the address gets 429s for a while.

Sessions are bound to the key: changing ``DISPUTES_DASHBOARD_KEY`` logs every browser out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from web.signing import Signer

SESSION_COOKIE = "disputes_session"
SESSION_SECONDS = 14 * 24 * 3600
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
KEY_SETTING = "DISPUTES_DASHBOARD_KEY"
NOT_CONFIGURED = (
    f"The dashboard is off: set {KEY_SETTING} (at least 16 characters) to turn it and the API on."
)


class Auth:
    def __init__(
        self, secret_key: str, dashboard_key: str | None, *, always_secure: bool = False
    ) -> None:
        self._signer = Signer(secret_key)
        self.always_secure = always_secure
        """Mark the cookie ``Secure`` even on plain-http requests: the app sits behind a TLS
        proxy (``DISPUTES_PUBLIC_URL`` is https)."""
        self._key_digest = (
            hashlib.sha256(dashboard_key.encode()).digest() if dashboard_key else None
        )
        # Part of every session's signature: a new key invalidates old sessions.
        self._key_binding = self._signer.mac("key-binding", dashboard_key or "")

    @property
    def enabled(self) -> bool:
        return self._key_digest is not None

    def key_matches(self, candidate: str | None) -> bool:
        """Constant time: digests of equal length are compared, whatever was sent."""
        if self._key_digest is None or candidate is None:
            return False
        return hmac.compare_digest(hashlib.sha256(candidate.encode()).digest(), self._key_digest)

    def new_session(self) -> tuple[str, str]:
        """``(session id, cookie value)``."""
        session_id = secrets.token_urlsafe(24)
        cookie = self._signer.sign("session:" + self._key_binding, session_id, SESSION_SECONDS)
        return session_id, cookie

    def session_id(self, cookie: str | None) -> str | None:
        if not self.enabled:
            return None
        return self._signer.unsign("session:" + self._key_binding, cookie)

    def csrf_token(self, session_id: str) -> str:
        return self._signer.mac("csrf", session_id)

    def csrf_ok(self, session_id: str, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(
            token.encode(), self.csrf_token(session_id).encode()
        )


def url_without_key(path: str, query: list[tuple[str, str]]) -> str:
    """The URL to redirect to once the key is exchanged: same path and query, minus ``key``."""
    kept = [(name, value) for name, value in query if name != "key"]
    return path + (f"?{urlencode(kept)}" if kept else "")
