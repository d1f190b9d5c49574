"""Delivering the emulator's events as Stripe does: signed POSTs, retried, in the background.

The signature is Stripe's scheme, computed here independently of stripe-python:
``Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("emulators.stripe.webhooks")


def sign(body: bytes, secret: str, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Delivery:
    event_id: str
    event_type: str
    status: int | None
    attempts: int


@dataclass
class WebhookSender:
    """Posts every event to ``url`` (when set), retrying failures a few times with a pause."""

    url: str | None = None
    secret: str = "whsec_emulator"  # noqa: S105 - a local test secret
    attempts: int = 5
    pause_seconds: float = 0.2
    deliveries: list[Delivery] = field(default_factory=list)
    _queue: queue.Queue[dict[str, Any] | None] = field(default_factory=queue.Queue)
    _thread: threading.Thread | None = None
    _idle: threading.Condition = field(default_factory=threading.Condition)
    _pending: int = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stripe-webhooks", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def enqueue(self, event: dict[str, Any]) -> None:
        if self.url is None:
            return
        with self._idle:
            self._pending += 1
        self._queue.put(event)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued event was delivered or given up on."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            try:
                self._deliver(event)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _deliver(self, event: dict[str, Any]) -> None:
        body = json.dumps(event, indent=2).encode()
        status: int | None = None
        attempt = 0
        for attempt in range(1, self.attempts + 1):  # noqa: B007 - attempt is reported below
            url = self.url
            if url is None:
                return
            request = urllib.request.Request(  # noqa: S310 - the configured loopback URL
                url,
                data=body,
                method="POST",
                headers={
                    "Content-Type": "application/json; charset=utf-8",
                    "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
                    "Stripe-Signature": sign(body, self.secret, int(time.time())),
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                    status = response.status
            except urllib.error.HTTPError as error:
                status = error.code
            except (urllib.error.URLError, OSError) as error:
                log.warning("webhook %s to %s failed: %s", event["id"], url, error)
                status = None
            if status is not None and 200 <= status < 300:
                break
            time.sleep(self.pause_seconds)
        self.deliveries.append(Delivery(event["id"], event["type"], status, attempt))
