"""The emulator checks ``evidence[enhanced_evidence][visa_compelling_evidence_3]`` as
stripe-python 16 types it, and judges eligibility from the account's charges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe
from stripe.params import DisputeUpdateParams

from emulators.stripe import StripeEmulator

DAY = 86_400
CE3 = "visa_compelling_evidence_3"


@pytest.fixture
def emulator() -> Iterator[StripeEmulator]:
    with StripeEmulator() as running:
        yield running


@pytest.fixture
def client(emulator: StripeEmulator) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_emulator",
        base_addresses={"api": emulator.url, "files": emulator.url},
        http_client=stripe.RequestsClient(timeout=2),
    )


def seeded(emulator: StripeEmulator, prior_days: list[int]) -> tuple[str, list[str]]:
    """Seeded through the control API, as the demo does."""

    def post(kind: str, body: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = httpx.post(f"{emulator.url}/_emulator/{kind}", json=body).json()
        return created

    customer = post("customers", {"name": "Ada Lovelace", "email": "ada@example.com"})["id"]
    now = emulator.state.now()
    priors = [
        post("charges", {"customer": customer, "created": now - days * DAY})["id"]
        for days in prior_days
    ]
    charge = post("charges", {"customer": customer, "ip_address": "203.0.113.9"})["id"]
    dispute = post("disputes", {"charge": charge, "enhanced_eligibility_types": [CE3]})
    return str(dispute["id"]), priors


def block(priors: list[str], **disputed: Any) -> dict[str, Any]:
    """A block shaped as ``DisputeUpdateParamsEvidenceEnhancedEvidenceVisaCompellingEvidence3``."""
    shared = {"customer_purchase_ip": "203.0.113.9", "customer_account_id": "user-42"}
    return {
        "disputed_transaction": {
            **shared,
            "merchandise_or_services": "services",
            "product_description": "Logo design plan",
            **disputed,
        },
        "prior_undisputed_transactions": [
            {"charge": prior, "product_description": "Logo design plan", **shared}
            for prior in priors
        ],
    }


def stage(client: stripe.StripeClient, dispute_id: str, value: Any) -> dict[str, Any]:
    params: DisputeUpdateParams = {
        "evidence": {"enhanced_evidence": {"visa_compelling_evidence_3": value}},
        "submit": False,
    }
    return client.v1.disputes.update(dispute_id, params=params).to_dict()


def test_a_complete_block_qualifies_the_dispute(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    dispute_id, priors = seeded(emulator, [120, 365])
    first = client.v1.disputes.retrieve(dispute_id).to_dict()
    assert first["evidence_details"]["enhanced_eligibility"][CE3]["status"] == "requires_action"
    staged = stage(client, dispute_id, block(priors))
    assert staged["evidence_details"]["enhanced_eligibility"][CE3] == {
        "status": "qualified",
        "required_actions": [],
    }
    held = staged["evidence"]["enhanced_evidence"][CE3]
    assert [p["charge"] for p in held["prior_undisputed_transactions"]] == priors


def test_one_matching_element_leaves_customer_identifiers_missing(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    dispute_id, priors = seeded(emulator, [150, 200])
    staged = stage(client, dispute_id, block(priors, customer_account_id="someone-else"))
    assert staged["evidence_details"]["enhanced_eligibility"][CE3] == {
        "status": "requires_action",
        "required_actions": ["missing_customer_identifiers"],
    }


@pytest.mark.parametrize("days", [[119, 200], [200, 366], [200]])
def test_priors_outside_the_window_or_too_few_leave_the_dispute_not_qualified(
    emulator: StripeEmulator, days: list[int]
) -> None:
    dispute_id, _ = seeded(emulator, days)
    eligibility = emulator.state.dispute(dispute_id)["evidence_details"]["enhanced_eligibility"]
    assert eligibility[CE3]["status"] == "not_qualified"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b["prior_undisputed_transactions"].pop(), "exactly two"),
        (lambda b: b["disputed_transaction"].update(customer_device_id="short"), "15 characters"),
        (lambda b: b["disputed_transaction"].update(merchandise_or_services="both"), "merchandise"),
        (lambda b: b["disputed_transaction"].update(colour="red"), "unknown parameter"),
        (lambda b: b["prior_undisputed_transactions"][0].pop("charge"), "charge"),
        (lambda b: b["disputed_transaction"].update(customer_purchase_ip="nope"), "IP address"),
        (
            lambda b: b["disputed_transaction"].update(
                shipping_address={
                    "line1": "1 Main St",
                    "city": "",
                    "postal_code": "1",
                    "country": "US",
                }
            ),
            "city is empty",
        ),
    ],
    ids=["one-prior", "device-id", "category", "unknown-key", "no-charge", "ip", "address"],
)
def test_a_malformed_block_is_refused_and_nothing_is_kept(
    emulator: StripeEmulator, client: stripe.StripeClient, change: Any, message: str
) -> None:
    dispute_id, priors = seeded(emulator, [150, 200])
    value = block(priors)
    change(value)
    with pytest.raises(stripe.InvalidRequestError, match=message):
        stage(client, dispute_id, value)
    assert emulator.state.dispute(dispute_id)["evidence"]["enhanced_evidence"] == {}


def test_a_prior_the_account_does_not_hold_is_missing_and_an_unoffered_dispute_refuses(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    dispute_id, priors = seeded(emulator, [150, 200])
    with pytest.raises(stripe.InvalidRequestError, match="No such charge"):
        stage(client, dispute_id, block([priors[0], "ch_unknown"]))
    plain = emulator.state.add_dispute(emit=False)
    with pytest.raises(stripe.InvalidRequestError, match="not eligible"):
        stage(client, str(plain["id"]), block(priors))


def test_the_control_api_refuses_an_unknown_option(emulator: StripeEmulator) -> None:
    refused = httpx.post(f"{emulator.url}/_emulator/charges", json={"colour": "red"})
    assert refused.status_code == 400
    assert "colour" in refused.json()["error"]["message"]
