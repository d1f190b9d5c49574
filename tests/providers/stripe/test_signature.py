"""Signature verification rules that must hold for every body and every tampering."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from emulators.stripe import sign
from engine.plugins.provider import Accepted, Ignored, Rejected, WebhookRequest
from providers.stripe.webhook import SignatureError, handle, parse_secrets, verify_signature

SECRET = "whsec_property_secret"
NOW = 1_763_700_000


@given(body=st.binary(max_size=2048), skew=st.integers(min_value=-300, max_value=300))
def test_any_body_signed_within_the_tolerance_verifies(body: bytes, skew: int) -> None:
    verify_signature(body, sign(body, SECRET, NOW + skew), [SECRET], now=NOW)


@given(body=st.binary(min_size=1, max_size=2048), data=st.data())
def test_any_tampered_body_is_rejected(body: bytes, data: st.DataObject) -> None:
    header = sign(body, SECRET, NOW)
    index = data.draw(st.integers(min_value=0, max_value=len(body) - 1))
    flip = data.draw(st.integers(min_value=1, max_value=255))
    tampered = body[:index] + bytes([body[index] ^ flip]) + body[index + 1 :]
    with pytest.raises(SignatureError):
        verify_signature(tampered, header, [SECRET], now=NOW)


@given(body=st.binary(max_size=256), extra=st.binary(min_size=1, max_size=16))
def test_appending_to_a_body_is_rejected(body: bytes, extra: bytes) -> None:
    with pytest.raises(SignatureError):
        verify_signature(body + extra, sign(body, SECRET, NOW), [SECRET], now=NOW)


@given(skew=st.integers(min_value=301, max_value=10**9), sign_of=st.sampled_from([-1, 1]))
def test_timestamps_beyond_300_seconds_either_way_are_rejected(skew: int, sign_of: int) -> None:
    body = b"{}"
    with pytest.raises(SignatureError, match="off"):
        verify_signature(body, sign(body, SECRET, NOW + sign_of * skew), [SECRET], now=NOW)


@given(header=st.text(max_size=200))
def test_any_header_text_without_our_signature_is_rejected(header: str) -> None:
    with pytest.raises(SignatureError):
        verify_signature(b"{}", header, [SECRET], now=NOW)


def test_any_of_several_v1_signatures_and_secrets_may_match() -> None:
    body = b'{"id": "evt_1"}'
    ours = sign(body, SECRET, NOW).split(",")[1]
    header = f"t={NOW},v1={'0' * 64},{ours},v0=legacy"
    verify_signature(body, header, ["whsec_other", SECRET], now=NOW)


def test_secrets_are_comma_separated() -> None:
    assert parse_secrets(" whsec_a, whsec_b ,,") == ("whsec_a", "whsec_b")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
DISPUTE_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "id": st.text(max_size=12) | JSON,
        "amount": st.integers(min_value=-(10**20), max_value=10**20) | JSON,
        "currency": st.sampled_from(["usd", "jpy", "kwd", "us", "usdd"]) | JSON,
        "status": st.text(max_size=30) | JSON,
        "reason": st.text(max_size=30) | JSON,
        "created": st.integers(min_value=-(10**12), max_value=10**12) | JSON,
        "evidence_details": st.fixed_dictionaries(
            {}, optional={"due_by": st.integers(min_value=-(10**15), max_value=10**15) | JSON}
        )
        | JSON,
        "balance_transactions": st.lists(
            st.fixed_dictionaries(
                {"amount": st.integers(), "currency": st.sampled_from(["usd", "eur"])},
                optional={"fee": st.integers()},
            ),
            max_size=3,
        )
        | JSON,
    },
)


@given(
    event_type=st.sampled_from(
        ["charge.dispute.created", "charge.dispute.funds_reinstated", "charge.succeeded"]
    ),
    created=st.integers(min_value=-(10**12), max_value=10**12) | JSON,
    dispute=DISPUTE_FIELDS | JSON,
)
def test_any_authentic_body_gets_a_verdict_never_an_exception(
    event_type: str, created: object, dispute: object
) -> None:
    body = json.dumps(
        {"id": "evt_x", "type": event_type, "created": created, "data": {"object": dispute}}
    ).encode()
    now = datetime.now(tz=UTC)
    request = WebhookRequest(
        body=body,
        headers={"stripe-signature": sign(body, SECRET, int(now.timestamp()))},
        path_params={},
        received_at=now,
    )
    verdict = handle(request, [SECRET])
    assert isinstance(verdict, Accepted | Ignored | Rejected)
    if isinstance(verdict, Rejected):
        assert verdict.status_code == 400
        assert verdict.store  # authentic: kept for a person to read
