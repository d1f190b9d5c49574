"""The numbers for one stored dispute: its win history (from the tallies) and expected value."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine.db.models import Dispute, DisputeTally, EvidenceState, EvidenceVersion
from engine.decisions.expected_value import (
    ExpectedValue,
    FightCase,
    WinHistory,
    expected_value,
    stripe_countered_fee,
)
from engine.disputes.model import Stage, Status
from engine.evidence.archive import decode_archived
from engine.evidence.readiness import version_readiness

_BUILT = frozenset(
    {
        EvidenceState.READY,
        EvidenceState.SUBMITTED,
        EvidenceState.MANUAL_REQUIRED,
        EvidenceState.SENT_MANUALLY,
    }
)
_STRIPE = "stripe"
"""The one processor with a countered fee (a fee rule, not an import of the provider)."""


def win_histories(session: Session) -> dict[str, WinHistory]:
    """Won and lost cases per neutral reason, from the running tallies
    (:mod:`engine.stats.tallies`): the cost is the same at a million disputes as at ten."""
    won = func.sum(case((DisputeTally.status == Status.WON.value, DisputeTally.disputes), else_=0))
    lost = func.sum(
        case((DisputeTally.status == Status.LOST.value, DisputeTally.disputes), else_=0)
    )
    rows = session.execute(
        select(DisputeTally.reason, won, lost)
        .where(DisputeTally.status.in_([Status.WON.value, Status.LOST.value]))
        .group_by(DisputeTally.reason)
    ).tuples()
    return {reason: WinHistory(int(w), int(lo)) for reason, w, lo in rows}


def packet_is_complete(dispute: Dispute, latest: EvidenceVersion | None) -> bool:
    """The latest evidence version is built and covers the reason's required evidence
    (:mod:`engine.evidence.readiness`, the same rule the submit policy applies)."""
    if latest is None or dispute.evidence_state not in _BUILT:
        return False
    return version_readiness(dispute.reason, latest.fields, decode_archived(latest.files)).complete


def assess(dispute: Dispute, history: WinHistory, packet_complete: bool) -> ExpectedValue | None:
    """``None`` once the dispute is decided (a final status): there is no choice left."""
    if Status(dispute.status).is_final:
        return None
    dispute_fee = sum(
        (Decimal(fee["amount"]) for fee in dispute.fees if fee["currency"] == dispute.currency),
        Decimal(0),
    )
    dispute_fee = max(dispute_fee, Decimal(0))
    countered = (
        stripe_countered_fee(
            dispute_fee,
            currency=dispute.currency,
            inquiry=dispute.stage == Stage.INQUIRY.value,
            created_at=dispute.created_at,
        )
        if dispute.provider == _STRIPE
        else Decimal(0)
    )
    return expected_value(
        FightCase(
            amount=Decimal(dispute.amount),
            dispute_fee=dispute_fee,
            countered_fee=countered,
            win_rate=history.rate(),
            packet_complete=packet_complete,
        )
    )
