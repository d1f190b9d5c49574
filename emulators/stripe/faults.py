"""Fault injection: answer some requests with 500 or 429, hold them past the client timeout,
drop the answer to a request that was carried out, or refuse every request made for one
connected account (403, as when the account revoked the platform's access).

``500``, ``429`` and ``hang`` strike *before* the request is processed, like a load balancer or
a lock timeout in front of Stripe, so a retried request is the first one Stripe really sees.
``drop`` strikes after: only idempotency keys keep a retry from acting twice.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field


@dataclass
class FaultRule:
    """Make matching requests fail: ``action`` is ``hang``, ``500``, ``429`` or ``drop``
    (the request is processed, then the connection closes before the answer: the client
    cannot know whether Stripe acted)."""

    method: str
    path: re.Pattern[str]
    action: str
    remaining: int | None = None
    """How many more requests it strikes; ``None`` until cleared."""
    struck: int = 0


@dataclass
class Faults:
    error_rate: float = 0.0
    """Fraction of API requests answered with 500 or 429 (half each)."""
    hang_rate: float = 0.0
    """Fraction of API requests held for ``hang_seconds`` and then dropped unanswered."""
    hang_seconds: float = 5.0
    seed: int = 0
    rules: list[FaultRule] = field(default_factory=list)
    denied_accounts: set[str] = field(default_factory=set)
    """Connected accounts whose every request (``Stripe-Account`` header) is refused with 403."""
    release: threading.Event = field(default_factory=threading.Event)
    _random: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def add_rule(
        self, method: str, path: str, action: str, *, times: int | None = None
    ) -> FaultRule:
        if action not in {"hang", "500", "429", "drop"}:
            raise ValueError(f"unknown fault action {action!r}")
        rule = FaultRule(method.upper(), re.compile(path), action, times)
        with self._lock:
            self.rules.append(rule)
        self.release.clear()
        return rule

    def deny_account(self, account: str) -> None:
        """Refuse every request made for ``account`` with Stripe's 403 until cleared."""
        with self._lock:
            self.denied_accounts.add(account)

    def denies(self, account: str) -> bool:
        with self._lock:
            return account in self.denied_accounts

    def clear(self) -> None:
        """Drop every rule, rate and denial, and let every held request go (dropped unanswered)."""
        with self._lock:
            self.rules.clear()
            self.denied_accounts.clear()
            self.error_rate = self.hang_rate = 0.0
        self.release.set()

    def pick(self, method: str, path: str) -> str | None:
        with self._lock:
            for rule in self.rules:
                if rule.method == method and rule.path.fullmatch(path):
                    if rule.remaining is not None:
                        if rule.remaining <= 0:
                            continue
                        rule.remaining -= 1
                    rule.struck += 1
                    return rule.action
            roll = self._random.random()
            if roll < self.error_rate:
                return self._random.choice(("500", "429"))
            if roll < self.error_rate + self.hang_rate:
                return "hang"
            return None
