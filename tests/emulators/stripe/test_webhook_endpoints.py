"""Webhook endpoints in the Stripe emulator, strict as Stripe in test mode, driven through
stripe-python's typed client: create (the secret once), list, retrieve, update, delete, and the
refusals a mistyped event, a local URL or a wrong key get."""

from __future__ import annotations

import typing
from collections.abc import Iterator

import pytest
import stripe
from hypothesis import given
from hypothesis import strategies as st

from emulators.stripe import StripeEmulator
from emulators.stripe.webhook_endpoints import EVENT_TYPES, MAX_ENDPOINTS

KEY = "sk_test_endpoints_key"
URL = "https://disputes.example.com/webhooks/stripe"


@pytest.fixture(scope="module")
def emulator() -> Iterator[StripeEmulator]:
    with StripeEmulator(api_keys={KEY}) as running:
        yield running


def client_for(emulator: StripeEmulator, key: str = KEY) -> stripe.StripeClient:
    return stripe.StripeClient(
        key,
        base_addresses={"api": emulator.url},
        http_client=stripe.RequestsClient(timeout=2),
        max_network_retries=0,
    )


@pytest.fixture
def client(emulator: StripeEmulator) -> Iterator[stripe.StripeClient]:
    yield client_for(emulator)
    for endpoint in client_for(emulator).v1.webhook_endpoints.list({"limit": 100}).data:
        client_for(emulator).v1.webhook_endpoints.delete(endpoint.id)


def test_the_emulators_event_types_are_the_sdks() -> None:
    # stripe-python's typed params are generated from Stripe's OpenAPI spec
    hint = stripe.params.WebhookEndpointCreateParams.__annotations__["enabled_events"]
    (literal,) = typing.get_args(hint)
    assert frozenset(typing.get_args(literal)) == EVENT_TYPES


def test_the_secret_is_answered_on_create_only(client: stripe.StripeClient) -> None:
    # Given a new endpoint for dispute events
    created = client.v1.webhook_endpoints.create(
        {"url": URL, "enabled_events": ["charge.dispute.created", "charge.dispute.closed"]}
    )
    # Then the answer carries the signing secret, and no later read does
    assert created.secret is not None and created.secret.startswith("whsec_")
    assert (created.status, created.livemode) == ("enabled", False)
    fetched = client.v1.webhook_endpoints.retrieve(created.id)
    listed = client.v1.webhook_endpoints.list().data
    assert [e.id for e in listed] == [created.id]
    assert "secret" not in fetched and "secret" not in listed[0]
    assert fetched.enabled_events == ["charge.dispute.created", "charge.dispute.closed"]


def test_update_replaces_events_and_disables_and_delete_removes(
    client: stripe.StripeClient,
) -> None:
    created = client.v1.webhook_endpoints.create({"url": URL, "enabled_events": ["*"]})
    updated = client.v1.webhook_endpoints.update(
        created.id,
        {"enabled_events": ["radar.early_fraud_warning.created"], "disabled": True},
    )
    assert (updated.enabled_events, updated.status) == (
        ["radar.early_fraud_warning.created"],
        "disabled",
    )
    deleted = client.v1.webhook_endpoints.delete(created.id)
    assert deleted.deleted is True
    with pytest.raises(stripe.InvalidRequestError) as missing:
        client.v1.webhook_endpoints.retrieve(created.id)
    assert missing.value.code == "resource_missing"


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost:8000/webhooks/stripe",
        "https://127.0.0.1/webhooks/stripe",
        "https://10.1.2.3/webhooks/stripe",
        "http://disputes.localhost/webhooks/stripe",
        "ftp://disputes.example.com/x",
        "disputes.example.com/webhooks/stripe",
    ],
)
def test_a_url_stripe_cannot_reach_is_refused(client: stripe.StripeClient, url: str) -> None:
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.webhook_endpoints.create({"url": url, "enabled_events": ["*"]})
    assert (refused.value.http_status, refused.value.param) == (400, "url")


def test_plain_http_is_accepted_in_test_mode(client: stripe.StripeClient) -> None:
    created = client.v1.webhook_endpoints.create(
        {"url": "http://disputes.example.com/webhooks/stripe", "enabled_events": ["*"]}
    )
    assert created.url == "http://disputes.example.com/webhooks/stripe"


@given(st.text(min_size=1, max_size=40).filter(lambda name: name not in EVENT_TYPES))
def test_an_event_type_stripe_does_not_send_is_refused(emulator: StripeEmulator, name: str) -> None:
    # Given any name that is not one of Stripe's event types (nor "*")
    params = {"url": URL, "enabled_events": ["charge.dispute.created", name]}
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client_for(emulator).v1.webhook_endpoints.create(params)  # type: ignore[arg-type]
    # Then Stripe's 400 names the offending entry
    assert refused.value.param == "enabled_events[1]"


def test_required_and_unknown_parameters(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as no_events:
        client.v1.webhook_endpoints.create({"url": URL})  # type: ignore[typeddict-item]
    assert no_events.value.code == "parameter_missing"
    with pytest.raises(stripe.InvalidRequestError) as unknown:
        client.v1.webhook_endpoints.update(
            "we_nope",
            {"colour": "blue"},  # type: ignore[arg-type]
        )
    assert unknown.value.code == "parameter_unknown"


def test_at_most_sixteen_endpoints(client: stripe.StripeClient) -> None:
    for number in range(MAX_ENDPOINTS):
        client.v1.webhook_endpoints.create(
            {"url": f"{URL}?n={number}", "enabled_events": ["charge.dispute.created"]}
        )
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.webhook_endpoints.create({"url": URL, "enabled_events": ["*"]})


def test_a_key_stripe_does_not_know_is_refused(emulator: StripeEmulator) -> None:
    with pytest.raises(stripe.AuthenticationError) as refused:
        client_for(emulator, "sk_test_not_a_real_key_9876").v1.webhook_endpoints.list()
    assert "Invalid API Key provided" in str(refused.value)
    assert "not_a_real" not in str(refused.value)
