"""Failures the emulator injects on request: a fraction of 500s, hangs, or a queue of
exactly the faults a test wants next."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field


@dataclass
class Fault:
    kind: str
    """``error`` (answer ``status``) or ``hang`` (answer nothing for ``seconds``)."""
    status: int = 500
    seconds: float = 0.0


@dataclass
class Faults:
    """Injected failures for requests whose path starts with ``prefix`` (the API routes by
    default, not the token endpoint). Queued faults come first, then the random rate."""

    prefix: str = "/disputes"
    error_rate: float = 0.0
    hang_rate: float = 0.0
    hang_seconds: float = 2.0
    queued: list[Fault] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(4))
    """Seeded: the same requests meet the same faults on every run."""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next_for(self, path: str) -> Fault | None:
        if not path.startswith(self.prefix):
            return None
        with self._lock:  # the server answers on many threads
            if self.queued:
                return self.queued.pop(0)
            roll = self.rng.random()
        if roll < self.error_rate:
            return Fault("error", status=500)
        if roll < self.error_rate + self.hang_rate:
            return Fault("hang", seconds=self.hang_seconds)
        return None
