"""The refund rule, for every charge and threshold: a disputed or refunded charge is never
refunded, unset never refunds, and only an amount strictly below the threshold is."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from engine.disputes.model import Money
from engine.fraud_warnings.model import RefundDecision, refund_idempotency_key
from engine.fraud_warnings.refund import decide
from engine.plugins.provider import ChargeFacts

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2)
charges = st.builds(
    ChargeFacts,
    charge_id=st.just("ch_1"),
    money=st.builds(Money, amount=amounts, currency=st.sampled_from(["USD", "EUR", "JPY"])),
    refunded=st.booleans(),
    disputed=st.booleans(),
)


@given(charge=charges, threshold=st.none() | amounts)
def test_a_refund_is_decided_only_for_an_untouched_charge_below_the_threshold(
    charge: ChargeFacts, threshold: Decimal | None
) -> None:
    verdict = decide(charge, threshold)
    refund = verdict.decision is RefundDecision.REFUND_PENDING
    assert refund == (
        not charge.disputed
        and not charge.refunded
        and threshold is not None
        and charge.money.amount < threshold
    )
    if not refund:
        assert verdict.decision.is_final and verdict.detail


@given(charge=charges)
def test_unset_never_refunds(charge: ChargeFacts) -> None:
    assert decide(charge, None).decision is not RefundDecision.REFUND_PENDING


@given(charge=charges, threshold=st.none() | amounts)
def test_a_disputed_charge_is_reported_as_disputed_first(
    charge: ChargeFacts, threshold: Decimal | None
) -> None:
    if charge.disputed:
        assert decide(charge, threshold).decision is RefundDecision.NOT_REFUNDED_DISPUTED


def test_the_threshold_itself_is_not_below_it() -> None:
    at = ChargeFacts(
        charge_id="ch_1",
        money=Money(amount=Decimal("25.00"), currency="USD"),
        refunded=False,
        disputed=False,
    )
    verdict = decide(at, Decimal("25"))
    assert verdict.decision is RefundDecision.NOT_REFUNDED_ABOVE_THRESHOLD
    assert verdict.detail == "25.00 USD is not below DISPUTES_EFW_REFUND_BELOW (25)"


@given(st.text(min_size=1, max_size=200))
def test_the_idempotency_key_depends_only_on_the_warning(warning_id: str) -> None:
    key = refund_idempotency_key(warning_id)
    assert key == refund_idempotency_key(warning_id) == f"efw-refund-{warning_id}"
