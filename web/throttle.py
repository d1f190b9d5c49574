"""A brake on guessing the dashboard key: per client address, wrong keys buy growing waits.

Every place a key is presented counts — the ``?key=`` exchange (which is also what the sign-in
form submits) and ``Authorization: Bearer`` on ``/api/*``. The first few wrong keys from an
address are plain 401s; from then on each wrong key locks the address out for a delay that
doubles (1 s, 2 s, 4 s … capped at 15 minutes). While locked out, *every* key from that address
is refused with 429 and ``Retry-After`` without being looked at — the right key too, otherwise a
guesser would learn it the moment they hit it. A correct key outside a lockout clears the count.

Limits, on purpose:

* The table lives in the process. Several processes (uvicorn ``--workers``, replicas) each keep
  their own count, so an address gets that many times the guesses; put the throttle at a shared
  proxy as well if that matters.
* The address is the TCP peer. ``disputes serve`` does not trust ``X-Forwarded-For``, so behind a
  reverse proxy every client shares the proxy's address: one guesser then delays everyone's
  sign-in (never an existing session, which is a cookie and not a key).
* The table is bounded (``max_clients``); past it the least recently failing address is
  forgotten. Someone able to flood it from that many addresses gets that many guesses anyway.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("disputes.auth")

FREE_ATTEMPTS = 5
"""Wrong keys an address may send before the first lockout (typos happen)."""
BASE_DELAY = 1.0
MAX_DELAY = 15 * 60.0
MAX_CLIENTS = 10_000
FORGET_AFTER = 24 * 3600.0
"""An address with no wrong key for this long starts afresh."""


@dataclass(frozen=True)
class Allowed:
    """The key was right and the address was not locked out: let it in."""


@dataclass(frozen=True)
class Wrong:
    """The key was wrong: 401, as before the throttle."""


@dataclass(frozen=True)
class LockedOut:
    """Too many wrong keys: 429, try again in ``retry_after`` whole seconds."""

    retry_after: int


Verdict = Allowed | Wrong | LockedOut


@dataclass
class _Record:
    failures: int
    last_failure: float
    locked_until: float


class KeyThrottle:
    """Thread-safe: request handlers may run in a thread pool as well as on the event loop."""

    def __init__(
        self,
        *,
        free_attempts: int = FREE_ATTEMPTS,
        base_delay: float = BASE_DELAY,
        max_delay: float = MAX_DELAY,
        max_clients: int = MAX_CLIENTS,
        forget_after: float = FORGET_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if free_attempts < 0 or base_delay <= 0 or max_delay < base_delay or max_clients < 1:
            raise ValueError("the key throttle needs free_attempts >= 0, 0 < base <= max delay")
        self._free_attempts = free_attempts
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._max_clients = max_clients
        self._forget_after = forget_after
        self._clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def judge(self, address: str, key_is_right: bool) -> Verdict:
        """Decide one key presented from ``address`` and record the outcome, atomically: two
        guesses racing from one address cannot both slip past a lockout the first one starts."""
        with self._lock:
            now = self._clock()
            record = self._records.get(address)
            if record is not None and now < record.locked_until:
                return LockedOut(max(1, math.ceil(record.locked_until - now)))
            if record is not None and now - record.last_failure > self._forget_after:
                del self._records[address]
                record = None
            if key_is_right:
                if record is not None:
                    del self._records[address]
                return Allowed()
            if record is None:
                record = _Record(failures=0, last_failure=now, locked_until=now)
                self._records[address] = record
                self._evict_oldest()
            else:
                self._records.move_to_end(address)
            record.failures += 1
            record.last_failure = now
            over = record.failures - self._free_attempts
            if over >= 0:
                # 2 ** over overflows a float long after the cap: clamp the exponent first.
                delay = min(self._base_delay * 2.0 ** min(over, 64), self._max_delay)
                record.locked_until = now + delay
                log.warning(
                    "%d wrong dashboard keys in a row from %s: refusing its keys for %.0f s",
                    record.failures,
                    address,
                    delay,
                )
            return Wrong()

    def _evict_oldest(self) -> None:
        while len(self._records) > self._max_clients:
            self._records.popitem(last=False)
