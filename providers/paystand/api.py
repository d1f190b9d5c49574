"""Paystand's REST API over httpx: the only module of this package that talks HTTP.

* An access token (client credentials, ``scope=auth``) is fetched on first use and again shortly
  before it expires, and once more when a call answers 401 (a rotated or revoked token).
* Every call carries ``Authorization: Bearer`` and the merchant's ``X-CUSTOMER-ID``.
* 5xx, 429, timeouts and connection errors are retried with exponential backoff and jitter;
  what still fails raises :class:`ProviderUnavailable`. 404 raises :class:`DisputeUnknown`.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

import httpx

from engine.errors import DisputeUnknown, ProviderRejected, ProviderUnavailable
from providers.paystand.mapping import json_decoder

log = logging.getLogger("disputes.paystand")

_RETRYABLE = frozenset({429, 500, 502, 503, 504})
_MAX_BACKOFF = 8.0


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str
    customer_id: str


@dataclass(frozen=True)
class Page:
    results: list[dict[str, Any]]
    count: int


class _Token:
    def __init__(self, value: str, expires_at: float) -> None:
        self.value = value
        self.expires_at = expires_at


class PaystandApi:
    """A thread-safe Paystand client (the webhook handler calls it from many threads)."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        backoff: float = 0.25,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._credentials = credentials
        self._max_retries = max_retries
        self._backoff = backoff
        self._clock = clock
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            headers={"accept": "application/json", "user-agent": "dispute-engine"},
            follow_redirects=False,
        )
        self._token: _Token | None = None
        self._token_lock = threading.Lock()

    def get_dispute(self, dispute_id: str) -> dict[str, Any]:
        """The dispute's current state; :class:`DisputeUnknown` when Paystand does not know it."""
        if not dispute_id or "/" in dispute_id or dispute_id in {".", ".."}:
            raise DisputeUnknown(f"{dispute_id!r} is not a Paystand dispute id")
        path = "/disputes/" + quote(dispute_id, safe="")
        body = self._call("GET", path, what=f"dispute {dispute_id}")
        if not isinstance(body, dict):
            raise ProviderUnavailable(f"Paystand answered dispute {dispute_id} with a non-object")
        return body

    def list_disputes(self, *, offset: int, limit: int, created_from: date | None = None) -> Page:
        """One page of the list; ``created_from`` keeps disputes created on or after that day
        (Paystand's date filters take whole days)."""
        params = {"f.offset": str(offset), "f.limit": str(limit)}
        if created_from is not None:
            params.update(
                {
                    "f.querytype": "by-query-filters",
                    "f.datepreset": "custom",
                    "f.datetype": "created",
                    "f.datestart": created_from.isoformat(),
                }
            )
        body = self._call(
            "GET", "/disputes", params=params, what=f"the dispute list at offset {offset}"
        )
        results = body.get("results") if isinstance(body, dict) else None
        count = body.get("count") if isinstance(body, dict) else None
        if not isinstance(results, list) or not isinstance(count, int) or isinstance(count, bool):
            raise ProviderUnavailable("Paystand answered the dispute list without results/count")
        return Page(results=[r for r in results if isinstance(r, dict)], count=count)

    def close(self) -> None:
        self._client.close()

    # --- internals ---------------------------------------------------------------------------

    def _call(
        self, method: str, path: str, *, what: str, params: dict[str, str] | None = None
    ) -> Any:
        refreshed = False
        attempt = 0
        while True:
            token = self._access_token(force=False)
            try:
                response = self._client.request(
                    method,
                    self.base_url + path,
                    params=params,
                    headers={
                        "authorization": f"Bearer {token}",
                        "x-customer-id": self._credentials.customer_id,
                    },
                )
            except httpx.TransportError as error:
                attempt = self._retry_or_raise(attempt, what, f"{type(error).__name__}: {error}")
                continue
            if response.status_code == 401 and not refreshed:
                # A token Paystand no longer honours (revoked, rotated, clock skew): one fresh
                # token, one more try. A second 401 is a configuration problem.
                refreshed = True
                self._access_token(force=True, stale=token)
                continue
            if response.status_code in _RETRYABLE:
                attempt = self._retry_or_raise(
                    attempt, what, f"HTTP {response.status_code}", _retry_after(response)
                )
                continue
            return self._decode(response, what)

    def _decode(self, response: httpx.Response, what: str) -> Any:
        status = response.status_code
        if status == 404:
            raise DisputeUnknown(f"Paystand does not know {what}")
        if status == 401:
            raise ProviderUnavailable(
                f"Paystand refused a fresh access token for {what}: check "
                "DISPUTES_PAYSTAND_CUSTOMER_ID and the API client's permissions"
            )
        if not 200 <= status < 300:
            raise ProviderRejected(
                f"Paystand refused {what}: HTTP {status} {_message(response)}", code=str(status)
            )
        try:
            return json_decoder.decode(response.content)
        except ValueError:
            raise ProviderUnavailable(f"Paystand answered {what} with invalid JSON") from None

    def _retry_or_raise(
        self, attempt: int, what: str, problem: str, asked: float | None = None
    ) -> int:
        if attempt >= self._max_retries:
            raise ProviderUnavailable(
                f"Paystand did not answer {what} after {attempt + 1} attempts ({problem})"
            )
        delay = min(_MAX_BACKOFF, self._backoff * 2**attempt) * random.uniform(0.5, 1.0)
        if asked is not None:  # a rate limit's Retry-After, within reason
            delay = max(delay, min(asked, _MAX_BACKOFF))
        log.info("Paystand %s for %s; retrying in %.2fs", problem, what, delay)
        self._sleep(delay)
        return attempt + 1

    def _access_token(self, *, force: bool, stale: str | None = None) -> str:
        with self._token_lock:
            current = self._token
            if force and current is not None and current.value != stale:
                return current.value  # another thread already replaced the stale token
            if not force and current is not None and self._clock() < current.expires_at:
                return current.value
            self._token = self._fetch_token()
            return self._token.value

    def _fetch_token(self) -> _Token:
        requested_at = self._clock()
        attempt = 0
        while True:
            try:
                response = self._client.post(
                    self.base_url + "/oauth/token",
                    json={
                        "grant_type": "client_credentials",
                        "client_id": self._credentials.client_id,
                        "client_secret": self._credentials.client_secret,
                        "scope": "auth",
                    },
                )
            except httpx.TransportError as error:
                attempt = self._retry_or_raise(attempt, "a token", type(error).__name__)
                continue
            if response.status_code in _RETRYABLE:
                attempt = self._retry_or_raise(attempt, "a token", f"HTTP {response.status_code}")
                continue
            break
        if response.status_code in {400, 401, 403}:
            # Retrying cannot fix credentials, but a webhook must still be retried by Paystand
            # once they are fixed: unavailable (503), not a rejection.
            raise ProviderUnavailable(
                "Paystand refused the client credentials: check DISPUTES_PAYSTAND_CLIENT_ID and "
                f"DISPUTES_PAYSTAND_CLIENT_SECRET ({_message(response)})"
            )
        try:
            body = json_decoder.decode(response.content)
            token = body["access_token"]
            lifetime = float(body.get("expires_in", 0))
        except (ValueError, KeyError, TypeError):
            raise ProviderUnavailable("Paystand answered the token request oddly") from None
        if response.status_code != 200 or not isinstance(token, str) or not token:
            raise ProviderUnavailable(f"Paystand gave no access token: HTTP {response.status_code}")
        # Renew a tenth of the lifetime early (at most five minutes), so a call never leaves
        # with a token that expires in flight.
        margin = min(300.0, lifetime / 10)
        return _Token(token, requested_at + max(lifetime - margin, 0.0))


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None  # an HTTP date: the exponential backoff is close enough


def _message(response: httpx.Response) -> str:
    try:
        body = json_decoder.decode(response.content)
    except ValueError:
        return response.text[:200]
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:200]
    return str(error)[:200] if error else ""
