"""Fight or accept, with numbers: the expected value of fighting one dispute.

Accepting recovers nothing. Fighting recovers the amount with the probability of winning and,
where Stripe charges it, costs the *countered* fee (US, since June 2025: the same size as the
dispute fee, charged when the merchant counters, refunded on a win, never for an inquiry — it
is not in the dispute's balance transactions, so it is computed here). The dispute fee itself
(Stripe's from the balance transactions, Paystand's flat 35.00 kept whatever the outcome) is
paid either way: it is shown, but it does not change the choice.

    value_of_fighting = p·amount - (1 - p)·countered_fee

so it grows with the amount and with ``p``. ``p`` is the merchant's own win rate for the
reason, pulled towards a prior while there are few decided cases (a Beta prior), and halved
while the evidence packet is not complete (a packet that misses required evidence rarely
wins; the factor is a deliberately plain heuristic, named so it can be tuned).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

PRIOR_WIN_RATE = Decimal("0.25")
"""Before the merchant has a history: roughly what merchants win across reasons."""
PRIOR_CASES = 8
"""How many decided cases the prior weighs as."""
INCOMPLETE_PACKET_FACTOR = Decimal("0.5")
COUNTERED_FEE_SINCE = datetime(2025, 6, 1, tzinfo=UTC)
_CENT = Decimal("0.01")
_RATE = Decimal("0.0001")


class Recommendation(enum.StrEnum):
    FIGHT = "fight"
    ACCEPT = "accept"


@dataclass(frozen=True)
class WinHistory:
    """The merchant's decided cases for one reason (``won`` and ``lost``; accepted ones were
    never fought and do not count)."""

    won: int = 0
    lost: int = 0

    def __post_init__(self) -> None:
        if self.won < 0 or self.lost < 0:
            raise ValueError("case counts cannot be negative")

    @property
    def decided(self) -> int:
        return self.won + self.lost

    def rate(self) -> Decimal:
        """The win rate with the prior: (won + prior·k) / (decided + k)."""
        weight = Decimal(PRIOR_CASES)
        return ((Decimal(self.won) + PRIOR_WIN_RATE * weight) / (self.decided + weight)).quantize(
            _RATE
        )


@dataclass(frozen=True)
class FightCase:
    amount: Decimal
    """The disputed amount, major units, never negative."""
    dispute_fee: Decimal
    """Paid whatever the decision (Stripe's, Paystand's 35.00); ``0`` when none."""
    countered_fee: Decimal
    """Charged only when fighting, refunded on a win; ``0`` where it does not apply."""
    win_rate: Decimal
    packet_complete: bool


@dataclass(frozen=True)
class ExpectedValue:
    win_probability: Decimal
    value_of_fighting: Decimal
    """Expected money back from fighting, minus the expected countered fee, versus accepting."""
    dispute_fee: Decimal
    countered_fee: Decimal
    recommendation: Recommendation


def expected_value(case: FightCase) -> ExpectedValue:
    if case.amount < 0 or case.dispute_fee < 0 or case.countered_fee < 0:
        raise ValueError("amounts and fees cannot be negative")
    if not Decimal(0) <= case.win_rate <= Decimal(1):
        raise ValueError(f"a win rate is between 0 and 1, not {case.win_rate}")
    p = case.win_rate if case.packet_complete else case.win_rate * INCOMPLETE_PACKET_FACTOR
    value = (p * case.amount - (1 - p) * case.countered_fee).quantize(_CENT)
    return ExpectedValue(
        win_probability=p.quantize(_RATE),
        value_of_fighting=value,
        dispute_fee=case.dispute_fee,
        countered_fee=case.countered_fee,
        recommendation=Recommendation.FIGHT if value > 0 else Recommendation.ACCEPT,
    )


def stripe_countered_fee(
    dispute_fee: Decimal, *, currency: str, inquiry: bool, created_at: datetime | None
) -> Decimal:
    """Stripe's countered fee: the dispute fee again, for US (USD) chargebacks opened since
    June 2025. The engine does not know the account's country; USD stands in for it."""
    if inquiry or currency != "USD":
        return Decimal(0)
    if created_at is not None and created_at.replace(tzinfo=created_at.tzinfo or UTC) < (
        COUNTERED_FEE_SINCE
    ):
        return Decimal(0)
    return dispute_fee
