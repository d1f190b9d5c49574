"""``stripe_facts``: what Stripe knows about the customer, read over the API."""

from __future__ import annotations

from pathlib import Path

import msgspec

from emulators.stripe import StripeEmulator
from engine.disputes.lifecycle import fold
from engine.disputes.model import DisputeState
from engine.evidence.model import TextField
from engine.plugins.sources import Contribution, EvidenceContext
from engine.runtime import Runtime
from providers.stripe.facts import StripeFacts


def contribution(runtime: Runtime, state: DisputeState, tmp_path: Path) -> Contribution:
    source = StripeFacts.from_settings(runtime.settings)
    assert source is not None
    return source.contribute(
        EvidenceContext(dispute=state, provider_facts={}, work_dir=str(tmp_path))
    )


def state_of(runtime: Runtime, dispute_id: str) -> DisputeState:
    state = fold([runtime.provider("stripe").fetch_dispute(dispute_id, None)])
    assert state is not None
    return state


def test_customer_details_and_total_paid_come_from_stripe(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, tmp_path: Path
) -> None:
    # Given a customer with two paid charges (one partly refunded) and one failed charge
    books = stripe_emulator.state
    address = {
        "line1": "12 Analytical Row",
        "line2": None,
        "city": "London",
        "postal_code": "N1 9GU",
        "state": None,
        "country": "GB",
    }
    disputed = books.add_charge(
        customer="cus_Ada",
        amount=4900,
        billing_details={"name": "Ada Lovelace", "email": "ada@example.com", "address": address},
        ip_address="203.0.113.7",
    )
    books.add_charge(customer="cus_Ada", amount=2500, amount_refunded=1000)
    books.add_charge(customer="cus_Ada", amount=9900, status="failed")
    books.add_charge(customer="cus_Someone_Else", amount=100000)
    dispute = books.add_dispute(charge=str(disputed["id"]), emit=False)
    # When the facts source runs for the dispute
    result = contribution(stripe_runtime, state_of(stripe_runtime, str(dispute["id"])), tmp_path)
    # Then Stripe's own figures are used: 49.00 + 25.00 - 10.00
    assert result.facts["total_amount_paid"] == "USD 64.00"
    assert result.facts["successful_payments"] == "2"
    assert result.facts["customer_id"] == "cus_Ada"
    assert result.facts["payment_id"] == disputed["id"]
    assert result.facts["amount_charged"] == "USD 49.00"
    texts = {item.field: item.text for item in result.texts}
    assert texts == {
        TextField.CUSTOMER_NAME: "Ada Lovelace",
        TextField.CUSTOMER_EMAIL_ADDRESS: "ada@example.com",
        TextField.BILLING_ADDRESS: "12 Analytical Row, N1 9GU London, GB",
        TextField.CUSTOMER_PURCHASE_IP: "203.0.113.7",
    }


def test_many_charges_are_paged_and_zero_decimal_currencies_kept_whole(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, tmp_path: Path
) -> None:
    books = stripe_emulator.state
    charges = [
        books.add_charge(customer="cus_Yen", amount=1000, currency="jpy") for _ in range(130)
    ]
    dispute = books.add_dispute(charge=str(charges[0]["id"]), currency="jpy", emit=False)
    result = contribution(stripe_runtime, state_of(stripe_runtime, str(dispute["id"])), tmp_path)
    assert result.facts["total_amount_paid"] == "JPY 130000"
    assert len(stripe_emulator.requests_for("GET", "/v1/charges")) == 2


def test_a_guest_charge_counts_alone(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, tmp_path: Path
) -> None:
    dispute = stripe_emulator.state.add_dispute(emit=False)
    result = contribution(stripe_runtime, state_of(stripe_runtime, str(dispute["id"])), tmp_path)
    assert result.facts["total_amount_paid"] == "USD 49.00"
    assert result.texts == ()


def test_other_providers_disputes_get_nothing(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, tmp_path: Path
) -> None:
    dispute = stripe_emulator.state.add_dispute(emit=False)
    state = msgspec.structs.replace(
        state_of(stripe_runtime, str(dispute["id"])), provider="paystand"
    )
    before = len(stripe_emulator.requests)
    assert contribution(stripe_runtime, state, tmp_path) == Contribution()
    assert len(stripe_emulator.requests) == before


def test_the_source_is_off_without_an_api_key(make_settings: object) -> None:
    assert StripeFacts.from_settings(make_settings()) is None  # type: ignore[operator]


def test_card_brand_checks_and_3d_secure_come_from_the_charge(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, tmp_path: Path
) -> None:
    books = stripe_emulator.state
    verified = books.add_charge(
        customer="cus_Ada",
        card={
            "brand": "mastercard",
            "last4": "4444",
            "address_line1_check": "pass",
            "address_postal_code_check": "pass",
            "cvc_check": "pass",
            "three_d_secure": {
                "authentication_flow": "challenge",
                "result": "authenticated",
                "result_reason": None,
                "version": "2.2.0",
            },
        },
    )
    dispute = books.add_dispute(charge=str(verified["id"]), emit=False)
    facts = contribution(
        stripe_runtime, state_of(stripe_runtime, str(dispute["id"])), tmp_path
    ).facts
    assert facts["payment_method"] == "Mastercard •••• 4444"
    assert facts["card_checks"] == "address line 1: pass; postal code: pass; CVC: pass"
    assert facts["three_d_secure"] == "authenticated (version 2.2.0)"

    # A card Stripe did not check claims nothing about checks or 3-D Secure.
    unchecked = books.add_charge(customer="cus_Bob")
    other = books.add_dispute(charge=str(unchecked["id"]), emit=False)
    facts = contribution(stripe_runtime, state_of(stripe_runtime, str(other["id"])), tmp_path).facts
    assert facts["payment_method"] == "Visa •••• 4242"
    assert "card_checks" not in facts and "three_d_secure" not in facts


def test_the_customer_object_fills_what_the_charge_lacks(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, tmp_path: Path
) -> None:
    # Given a charge with only a billing name, and a customer object with email and address
    books = stripe_emulator.state
    customer = books.add_customer(
        name="Someone Else",
        email="grace@example.com",
        address={
            "line1": "1 Navy Way",
            "line2": None,
            "city": "Arlington",
            "postal_code": "22202",
            "state": "VA",
            "country": "US",
        },
    )
    charge = books.add_charge(
        customer=str(customer["id"]),
        billing_details={"name": "Grace Hopper", "email": None, "address": None, "phone": None},
    )
    dispute = books.add_dispute(charge=str(charge["id"]), emit=False)
    # When the facts source runs
    result = contribution(stripe_runtime, state_of(stripe_runtime, str(dispute["id"])), tmp_path)
    # Then the charge's own name stands and the customer object gives the rest
    texts = {item.field: item.text for item in result.texts}
    assert texts[TextField.CUSTOMER_NAME] == "Grace Hopper"
    assert texts[TextField.CUSTOMER_EMAIL_ADDRESS] == "grace@example.com"
    assert texts[TextField.BILLING_ADDRESS] == "1 Navy Way, 22202 Arlington, VA, US"
    assert result.facts["customer_email"] == "grace@example.com"


def test_a_customer_stripe_no_longer_has_adds_nothing_and_breaks_nothing(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, tmp_path: Path
) -> None:
    books = stripe_emulator.state
    charge = books.add_charge(customer="cus_Gone")
    dispute = books.add_dispute(charge=str(charge["id"]), emit=False)
    result = contribution(stripe_runtime, state_of(stripe_runtime, str(dispute["id"])), tmp_path)
    assert result.facts["customer_id"] == "cus_Gone"
    assert TextField.CUSTOMER_EMAIL_ADDRESS not in {item.field for item in result.texts}
    assert stripe_emulator.requests_for("GET", r"/v1/customers/cus_Gone")[0].status == 404
