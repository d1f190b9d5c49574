"""Stripe's idempotent requests: one ``Idempotency-Key`` per account names one POST, forever.

A success is stored and replayed byte for byte (``Idempotent-Replayed: true``); the same key
with other parameters is refused, as is a second request while the first is still running.
Failures are not stored, so a retry after a 4xx/5xx runs again, as on Stripe.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulators.stripe.errors import ApiError
from emulators.stripe.forms import Upload
from emulators.stripe.wire import Response, error_response

MAX_KEY_LENGTH = 255


@dataclass
class _Stored:
    fingerprint: str
    status: int
    body: bytes


class IdempotencyStore:
    def __init__(self) -> None:
        self._stored: dict[tuple[str, str], _Stored] = {}
        self._in_flight: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def run(
        self,
        account: str,
        key: str,
        fingerprint: str,
        execute: Callable[[], Response],
    ) -> tuple[Response, bool]:
        """Answer a keyed POST: ``execute`` once, or the stored answer. Also: was it replayed?"""
        if len(key) > MAX_KEY_LENGTH:
            refusal = ApiError(400, "Idempotency keys must be at most 255 characters.")
            return error_response(refusal), False
        scope = (account, key)
        with self._lock:
            stored = self._stored.get(scope)
            if stored is None and scope in self._in_flight:
                refusal = ApiError(
                    409,
                    "There is currently another in-progress request using this "
                    f"Idempotency-Key: {key}.",
                    type="idempotency_error",
                )
                return error_response(refusal), False
            if stored is None:
                self._in_flight.add(scope)
        if stored is not None:
            if stored.fingerprint != fingerprint:
                refusal = ApiError(
                    400,
                    "Keys for idempotent requests can only be used with the same parameters "
                    f"they were first used with. Try using a key other than '{key}' if you "
                    "meant to execute a different request.",
                    type="idempotency_error",
                )
                return error_response(refusal), False
            return (stored.status, {"Idempotent-Replayed": "true"}, stored.body), True
        try:
            status, extra, payload = execute()
            if 200 <= status < 300 and payload is not None:
                with self._lock:
                    self._stored[scope] = _Stored(fingerprint, status, payload)
        finally:
            with self._lock:
                self._in_flight.discard(scope)
        return (status, {**extra, "Idempotency-Key": key}, payload), False


def fingerprint(method: str, path: str, params: dict[str, Any], uploads: dict[str, Upload]) -> str:
    """What makes two requests "the same parameters": method, path, params and file digests."""
    files = {
        name: [upload.filename, hashlib.sha256(upload.data).hexdigest()]
        for name, upload in uploads.items()
    }
    canonical = json.dumps([method, path, params, files], sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
