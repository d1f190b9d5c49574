"""What was decided about a dispute, as the JSON's ``decision`` shows it."""

from __future__ import annotations

import enum
from collections.abc import Iterable

ACCEPTED_EVENT_TYPE = "engine.accepted"
"""The type of the engine's own event recording an acceptance."""

_FOUGHT_EVIDENCE_STATES = frozenset({"submitted", "sent_manually"})


class Decision(enum.StrEnum):
    ACCEPTED = "accepted"
    FIGHT = "fight"


def decision_of(event_types: Iterable[str], evidence_state: str) -> Decision | None:
    """``accepted`` once the engine accepted it; ``fight`` once evidence went to the processor;
    otherwise nobody has decided yet (``None``)."""
    if ACCEPTED_EVENT_TYPE in set(event_types):
        return Decision.ACCEPTED
    if evidence_state in _FOUGHT_EVIDENCE_STATES:
        return Decision.FIGHT
    return None
