"""How a malformed Stripe-Signature header is answered: always 400, never a 500."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from emulators.stripe import sign
from engine.plugins.provider import Accepted, Rejected, WebhookRequest
from providers.stripe.webhook import SignatureError, handle, verify_signature

SECRET = "whsec_header_rules"
NOW = 1_763_700_000


def test_a_signature_without_a_timestamp_is_refused() -> None:
    # Given a header whose v1 is otherwise valid but whose t= part was stripped
    body = b'{"id": "evt_1"}'
    v1 = sign(body, SECRET, NOW).split("v1=")[1]
    # When it is verified, then it is a clear signature error, not a crash
    with pytest.raises(SignatureError, match="no timestamp"):
        verify_signature(body, f"v1={v1}", [SECRET], now=NOW)


def test_a_delivery_signed_without_a_timestamp_is_answered_400() -> None:
    # Given a delivery whose Stripe-Signature carries v1= but no t=
    body = json.dumps({"id": "evt_1", "type": "charge.dispute.created"}).encode()
    v1 = sign(body, SECRET, NOW).split("v1=")[1]
    received = datetime.fromtimestamp(NOW, tz=UTC)
    request = WebhookRequest(
        body=body, headers={"stripe-signature": f"v1={v1}"}, path_params={}, received_at=received
    )
    # When it is handled
    verdict = handle(request, [SECRET])
    # Then it is refused as a bad request and not stored
    assert isinstance(verdict, Rejected)
    assert verdict.status_code == 400
    assert not verdict.store


def test_a_timestamp_without_a_signature_is_refused() -> None:
    with pytest.raises(SignatureError, match="no v1"):
        verify_signature(b"{}", f"t={NOW}", [SECRET], now=NOW)


def test_a_timestamp_exactly_at_the_tolerance_is_accepted() -> None:
    body = b"{}"
    verify_signature(body, sign(body, SECRET, NOW - 300), [SECRET], now=NOW)
    with pytest.raises(SignatureError):
        verify_signature(body, sign(body, SECRET, NOW - 301), [SECRET], now=NOW)


def test_an_authentic_event_without_a_creation_time_is_refused_and_kept() -> None:
    # Given an authentic dispute event whose `created` is 0 (no time to order it by)
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "stripe" / "lifecycle_won.json"
    event = json.loads(fixture.read_text())[0]
    event["created"] = 0
    body = json.dumps(event).encode()
    received = datetime.fromtimestamp(NOW, tz=UTC)
    request = WebhookRequest(
        body=body,
        headers={"stripe-signature": sign(body, SECRET, NOW)},
        path_params={},
        received_at=received,
    )
    # When it is handled, then it is a 400 kept for a person to read
    verdict = handle(request, [SECRET])
    assert isinstance(verdict, Rejected)
    assert (verdict.status_code, verdict.store) == (400, True)
    assert "creation time" in verdict.reason


def test_an_event_created_one_second_after_the_epoch_is_read() -> None:
    # `created` 0 means "no time"; any real second, however early, orders the event
    fixture = Path(__file__).resolve().parents[2] / "fixtures" / "stripe" / "lifecycle_won.json"
    event = json.loads(fixture.read_text())[0]
    event["created"] = 1
    body = json.dumps(event).encode()
    request = WebhookRequest(
        body=body,
        headers={"stripe-signature": sign(body, SECRET, NOW)},
        path_params={},
        received_at=datetime.fromtimestamp(NOW, tz=UTC),
    )
    verdict = handle(request, [SECRET])
    assert isinstance(verdict, Accepted), verdict


@pytest.mark.parametrize("timestamp", ["abc", "12.5", ""])
def test_a_malformed_timestamp_is_named_as_such(timestamp: str) -> None:
    body = b"{}"
    v1 = sign(body, SECRET, NOW).split("v1=")[1]
    with pytest.raises(SignatureError, match="malformed timestamp"):
        verify_signature(body, f"t={timestamp},v1={v1}", [SECRET], now=NOW)
