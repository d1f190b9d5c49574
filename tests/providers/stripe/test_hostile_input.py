"""Hostile input on POST /webhooks/stripe through the real app: every odd header or body gets a
4xx with a reason and leaves no dispute behind; nothing makes it answer 5xx."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import TestClient

from emulators.stripe import sign
from engine.intake.depth import MAX_JSON_DEPTH
from engine.runtime import Runtime
from tests.providers.stripe.conftest import WEBHOOK_SECRET, load_fixture
from tests.providers.stripe.test_webhook import counts


def nested(depth: int) -> bytes:
    """A signed-looking dispute event whose dispute carries ``depth`` nested arrays."""
    inner = b"[" * depth + b"]" * depth
    return (
        b'{"id":"evt_deep","object":"event","type":"charge.dispute.created","created":1700000000,'
        b'"data":{"object":{"id":"dp_deep","object":"dispute","metadata":' + inner + b"}}}"
    )


def test_a_non_ascii_signature_header_is_a_400(
    client: TestClient[Any], stripe_runtime: Runtime
) -> None:
    body = b'{"id":"evt_1","type":"charge.dispute.created"}'
    header = f"t={int(time.time())},v1=\u00e9\u00e9".encode("latin-1")
    response = client.post("/webhooks/stripe", content=body, headers={b"Stripe-Signature": header})
    assert response.status_code == 400
    assert "not ASCII" in response.json()["error"]
    assert counts(stripe_runtime) == (0, 0, 0)


def test_deeply_nested_json_is_a_400_even_when_signed(
    client: TestClient[Any], stripe_runtime: Runtime
) -> None:
    for depth in (MAX_JSON_DEPTH + 1, 1_000, 100_000):
        body = nested(depth)
        response = client.post(
            "/webhooks/stripe",
            content=body,
            headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET, int(time.time()))},
        )
        assert response.status_code == 400, depth
        assert "nested deeper" in response.json()["error"]
    assert counts(stripe_runtime) == (0, 0, 0)


def test_a_signed_dispute_event_about_something_else_creates_no_dispute(
    client: TestClient[Any], stripe_runtime: Runtime, fixtures_dir: Path
) -> None:
    event = load_fixture(fixtures_dir, "lifecycle_won.json")[0]
    event["data"]["object"] = {"id": "ch_1NotADispute", "object": "charge", "amount": 1000}
    body = json.dumps(event).encode()
    response = client.post(
        "/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET, int(time.time()))},
    )
    assert response.status_code == 400
    assert "not a dispute" in response.json()["error"]
    disputes, events, deliveries = counts(stripe_runtime)
    # kept for a person to read, but nothing was made of it
    assert (disputes, events, deliveries) == (0, 0, 1)


header_values = st.binary(max_size=40).map(lambda raw: raw.replace(b"\r", b"").replace(b"\n", b""))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(header=header_values, body=st.binary(max_size=300), sign_it=st.booleans())
def test_no_header_or_body_makes_the_webhook_answer_5xx(
    client: TestClient[Any], header: bytes, body: bytes, sign_it: bool
) -> None:
    signature = sign(body, WEBHOOK_SECRET, int(time.time())).encode() if sign_it else header
    response = client.post(
        "/webhooks/stripe",
        content=body,
        headers={b"Stripe-Signature": signature, b"X-Anything": header},
    )
    assert response.status_code < 500
