"""Early fraud warnings and refunds in the Stripe emulator, strict as Stripe: driven through
stripe-python's typed client, warnings seeded through the control API and announced by webhook."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import stripe

from emulators.stripe import StripeEmulator


@pytest.fixture
def emulator() -> Iterator[StripeEmulator]:
    with StripeEmulator(webhook_secret="whsec_radar_test") as running:
        yield running


@pytest.fixture
def client(emulator: StripeEmulator) -> stripe.StripeClient:
    return stripe.StripeClient(
        "sk_test_emulator",
        base_addresses={"api": emulator.url},
        http_client=stripe.RequestsClient(timeout=2),
    )


def seed(emulator: StripeEmulator, kind: str, **options: Any) -> dict[str, Any]:
    answer = httpx.post(f"{emulator.url}/_emulator/{kind}", json=options, timeout=5)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def test_a_warning_is_listed_retrieved_and_announced(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    events: list[dict[str, Any]] = []
    emulator.state.listeners.append(events.append)
    charge = seed(emulator, "charges", amount=1999)
    warning = seed(emulator, "early_fraud_warnings", charge_id=charge["id"], fraud_type="misc")
    listed = client.v1.radar.early_fraud_warnings.list({"charge": charge["id"]})
    assert [w.id for w in listed.data] == [warning["id"]]
    fetched = client.v1.radar.early_fraud_warnings.retrieve(warning["id"])
    assert (fetched.charge, fetched.fraud_type, fetched.actionable) == (charge["id"], "misc", True)
    assert [e["type"] for e in events] == ["radar.early_fraud_warning.created"]


def test_a_refund_makes_the_warning_unactionable_and_a_second_is_refused(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    charge = seed(emulator, "charges", amount=1999)
    warning = seed(emulator, "early_fraud_warnings", charge_id=charge["id"])
    params: stripe.params.RefundCreateParams = {
        "charge": charge["id"],
        "reason": "fraudulent",
        "metadata": {"efw": warning["id"]},
    }
    refund = client.v1.refunds.create(params, {"idempotency_key": "efw-1"})
    assert (refund.amount, refund.status, refund.reason) == (1999, "succeeded", "fraudulent")
    assert client.v1.charges.retrieve(charge["id"]).refunded is True
    assert client.v1.radar.early_fraud_warnings.retrieve(warning["id"]).actionable is False
    # the same idempotency key replays; a new one is refused as Stripe refuses it
    again = client.v1.refunds.create(params, {"idempotency_key": "efw-1"})
    assert again.id == refund.id
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create({"charge": charge["id"]}, {"idempotency_key": "efw-2"})
    assert refused.value.code == "charge_already_refunded"


def test_a_disputed_charge_cannot_be_refunded(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    charge = seed(emulator, "charges", amount=5000)
    seed(emulator, "disputes", charge=charge["id"], amount=5000)
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.refunds.create({"charge": charge["id"]})
    assert refused.value.code == "charge_disputed"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "One of `charge` or `payment_intent` is required."),
        ({"charge": "ch_missing"}, "No such charge"),
        ({"charge": "@", "amount": 6000}, "greater than unrefunded amount"),
        ({"charge": "@", "amount": 0}, "must be positive"),
        ({"charge": "@", "reason": "changed_mind"}, "Invalid reason"),
        ({"charge": "@", "colour": "red"}, "colour"),
    ],
)
def test_refund_parameters_are_checked_as_stripe_checks_them(
    emulator: StripeEmulator, params: dict[str, Any], message: str
) -> None:
    charge = seed(emulator, "charges", amount=5000)
    form = {key: (charge["id"] if value == "@" else value) for key, value in params.items()}
    answer = httpx.post(
        f"{emulator.url}/v1/refunds",
        data=form,
        headers={"Authorization": "Bearer sk_test_emulator"},
        timeout=5,
    )
    assert answer.status_code in (400, 404), answer.text
    assert message in answer.json()["error"]["message"]


def test_a_partial_refund_leaves_the_rest_refundable(
    emulator: StripeEmulator, client: stripe.StripeClient
) -> None:
    charge = seed(emulator, "charges", amount=5000)
    client.v1.refunds.create({"charge": charge["id"], "amount": 2000})
    assert client.v1.charges.retrieve(charge["id"]).amount_refunded == 2000
    rest = client.v1.refunds.create({"payment_intent": charge["payment_intent"]})
    assert rest.amount == 3000
    assert client.v1.refunds.retrieve(rest.id).charge == charge["id"]
