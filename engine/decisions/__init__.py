"""A person's (or a rule's) decision about a dispute: accept the loss, or fight it."""

from engine.decisions.accept import (
    AcceptOutcome,
    AcceptRefused,
    AcceptResult,
    accept_dispute,
)
from engine.decisions.decision import Decision, decision_of

__all__ = [
    "AcceptOutcome",
    "AcceptRefused",
    "AcceptResult",
    "Decision",
    "accept_dispute",
    "decision_of",
]
