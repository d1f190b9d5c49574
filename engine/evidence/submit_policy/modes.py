"""The submit policy: which built versions go out without a person."""

from __future__ import annotations

import enum

from engine.errors import SettingError
from engine.evidence.readiness import Readiness
from engine.work.queue import WorkReason

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class AutoSubmit(enum.StrEnum):
    """Values of ``DISPUTES_AUTO_SUBMIT``."""

    COMPLETE = "complete"
    """Submit on its own only a packet covering its reason's required evidence."""
    TRUE = "true"
    """Always submit."""
    FALSE = "false"
    """Never without a person (a regenerated version too)."""

    @classmethod
    def parse(cls, value: str | None) -> AutoSubmit:
        if value is None or not value.strip():
            return cls.COMPLETE
        lowered = value.strip().lower()
        if lowered == cls.COMPLETE:
            return cls.COMPLETE
        if lowered in _TRUE:
            return cls.TRUE
        if lowered in _FALSE:
            return cls.FALSE
        raise SettingError(
            "DISPUTES_AUTO_SUBMIT", f"must be complete, true or false, not {value!r}"
        )


class Hold(enum.StrEnum):
    """Why a built version waits for a person instead of going out."""

    POLICY_FALSE = "policy_false"
    INCOMPLETE = "incomplete"


def submit_decision(mode: AutoSubmit, reason: str, readiness: Readiness) -> Hold | None:
    """``None`` to submit now, else why the version is held.

    ``SUBMIT`` is a person approving the very version they saw; ``DEADLINE`` is the engine
    sending a held version because no answer at all is a certain loss (only queued in
    ``complete`` mode). ``REGENERATE`` is a person asking for a *new* build nobody has seen
    yet, so it follows the policy like the engine's own work.
    """
    if reason in {WorkReason.SUBMIT, WorkReason.DEADLINE}:
        return None
    if mode is AutoSubmit.FALSE:
        return Hold.POLICY_FALSE
    if mode is AutoSubmit.COMPLETE and not readiness.complete:
        return Hold.INCOMPLETE
    return None
