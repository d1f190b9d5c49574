"""Visa's CE 3.0 rules as the engine applies them: the window, the matching elements, the pick."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from engine.evidence.visa_ce3.model import MerchandiseOrServices, PaymentRecord, ShippingAddress
from engine.evidence.visa_ce3.rules import (
    MAIN,
    SECONDARY,
    Element,
    NotQualified,
    in_window,
    links,
    matching_elements,
    plan,
)

DISPUTED_AT = datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
HOME = ShippingAddress(line1="1 Main St", city="Springfield", postal_code="12345", country="US")


def record(payment_id: str, days_before: int | None = None, **elements: Any) -> PaymentRecord:
    created = DISPUTED_AT - timedelta(days=days_before) if days_before is not None else DISPUTED_AT
    return PaymentRecord(
        payment_id=payment_id,
        created_at=created,
        undisputed=days_before is not None,
        product_description="Design subscription",
        **elements,
    )


DISPUTED = record(
    "ch_disputed",
    customer_purchase_ip="203.0.113.9",
    customer_device_id="device-0123456789abc",
    customer_account_id="user-42",
    shipping_address=HOME,
    merchandise_or_services=MerchandiseOrServices.SERVICES,
)


@given(st.integers(min_value=0, max_value=800))
def test_the_window_is_120_to_365_calendar_days(days: int) -> None:
    prior = DISPUTED_AT - timedelta(days=days)
    assert in_window(DISPUTED_AT, prior) == (120 <= days <= 365)


@given(st.sets(st.sampled_from(list(Element))))
def test_two_main_elements_or_one_main_and_one_secondary_link_two_payments(
    elements: set[Element],
) -> None:
    main, secondary = len(elements & MAIN), len(elements & SECONDARY)
    assert links(elements) == (main >= 2 or (main == 1 and secondary >= 1))


def test_device_id_and_fingerprint_are_one_element_and_short_ones_do_not_count() -> None:
    given_prior = record(
        "ch_a",
        200,
        customer_device_id="device-0123456789abc",
        customer_device_fingerprint="fp-0123456789abcdefghij",
    )
    disputed = record(
        "ch_d",
        customer_device_id="device-0123456789abc",
        customer_device_fingerprint="fp-0123456789abcdefghij",
    )
    assert matching_elements(disputed, given_prior) == {Element.DEVICE}
    short = record("ch_s", 200, customer_device_id="dev-1")
    assert matching_elements(record("ch_d", customer_device_id="dev-1"), short) == frozenset()


def test_two_linked_priors_in_the_window_qualify_and_the_nearest_are_chosen() -> None:
    near = record("ch_near", 130, customer_purchase_ip="203.0.113.9", customer_account_id="user-42")
    far = record("ch_far", 300, customer_device_id="device-0123456789abc", shipping_address=HOME)
    farther = record("ch_farther", 360, customer_purchase_ip="203.0.113.9", shipping_address=HOME)
    found = plan(DISPUTED, [DISPUTED, farther, near, far])
    assert not isinstance(found, NotQualified)
    assert [p.payment_id for p in found.priors] == ["ch_near", "ch_far"]
    assert found.merchandise_or_services is MerchandiseOrServices.SERVICES


def test_one_matching_element_does_not_qualify() -> None:
    priors = [record(f"ch_{n}", 200 + n, customer_purchase_ip="203.0.113.9") for n in range(3)]
    found = plan(DISPUTED, priors)
    assert isinstance(found, NotQualified)
    assert "match the disputed one on two elements" in found.reasons[0]


def test_payments_outside_the_window_do_not_count() -> None:
    linked = {"customer_purchase_ip": "203.0.113.9", "customer_account_id": "user-42"}
    found = plan(DISPUTED, [record("ch_119", 119, **linked), record("ch_366", 366, **linked)])
    assert isinstance(found, NotQualified)
    assert "0 of 2 fall in that window" in found.reasons[0]


def test_one_prior_alone_does_not_qualify() -> None:
    linked = {"customer_purchase_ip": "203.0.113.9", "customer_account_id": "user-42"}
    found = plan(DISPUTED, [record("ch_one", 200, **linked)])
    assert isinstance(found, NotQualified)
    assert "1 found" in found.reasons[0]


def test_an_unclassed_payment_is_refused_with_its_reason() -> None:
    linked = {"customer_purchase_ip": "203.0.113.9", "customer_account_id": "user-42"}
    unclassed = record("ch_d", customer_purchase_ip="203.0.113.9", customer_account_id="user-42")
    found = plan(unclassed, [record("ch_1", 200, **linked), record("ch_2", 210, **linked)])
    assert isinstance(found, NotQualified)
    assert "merchandise or services" in found.reasons[0]


def test_elements_visa_would_refuse_neither_match_nor_reach_the_block() -> None:
    # Given priors that match on a malformed IP and a too-short device id besides the account
    odd: dict[str, Any] = {"customer_purchase_ip": "not-an-ip", "customer_device_id": "dev-1"}
    disputed = record(
        "ch_d",
        customer_account_id="user-42",
        shipping_address=HOME,
        merchandise_or_services=MerchandiseOrServices.SERVICES,
        **odd,
    )
    priors = [
        record(f"ch_{n}", 200 + n, customer_account_id="user-42", shipping_address=HOME, **odd)
        for n in range(2)
    ]
    found = plan(disputed, priors)
    # Then the account id and the shipping address qualify it, and the block carries neither
    assert not isinstance(found, NotQualified)
    for sent in (found.disputed, *found.priors):
        assert sent.customer_purchase_ip is None
        assert sent.customer_device_id is None
    assert matching_elements(disputed, priors[0]) == {Element.ACCOUNT, Element.SHIPPING}
