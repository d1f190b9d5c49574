"""The detail page's "Fight or accept" panel: fees, the decision, the expected value, and the
accept form with its confirmation step (a second POST carrying ``confirm=yes``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.db.models import Dispute, DisputeEventRow, EvidenceVersion
from engine.decisions import decision_of
from engine.decisions.assess import assess, packet_is_complete, win_histories
from engine.decisions.expected_value import WinHistory
from engine.disputes.model import Status


def decision_context(
    session: Session,
    dispute: Dispute,
    events: list[DisputeEventRow],
    latest: EvidenceVersion | None,
) -> dict[str, Any]:
    history = win_histories(session).get(dispute.reason, WinHistory())
    complete = packet_is_complete(dispute, latest)
    return {
        "fees": dispute.fees,
        "decision": decision_of((event.type for event in events), dispute.evidence_state),
        "numbers": assess(dispute, history, complete),
        "history": history,
        "packet_complete": complete,
        "can_accept": not Status(dispute.status).is_final,
    }
