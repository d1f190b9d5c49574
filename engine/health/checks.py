"""What one diagnostic check found: the rows ``disputes doctor`` prints.

Providers and notifiers report their own checks in these terms (``DisputeProvider.diagnose``,
``Notifier.diagnose``), so the doctor needs to know nothing about any processor. A ``detail``
is one line a person can act on and never holds a secret: no keys, tokens or passwords, no URL
that carries one.
"""

from __future__ import annotations

import enum

import msgspec


class Verdict(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"
    """Something did not answer or refused: fix it there (exit 1)."""
    MISCONFIGURED = "misconfigured"
    """A setting is missing or malformed: fix the setting (exit 2)."""
    SKIPPED = "skipped"
    """Not configured, or nothing to check: neither a pass nor a failure."""


class Check(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    """What was checked, e.g. ``stripe credentials``."""
    verdict: Verdict
    detail: str


def one_line(text: object) -> str:
    """``text`` as a single line (a vendor message may span several)."""
    return " ".join(str(text).split())
