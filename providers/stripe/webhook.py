"""``POST /webhooks/stripe``: verify the signature on the raw bytes, then decode and translate.

Verification is done here rather than by stripe-python because the SDK accepts timestamps from
the far future; a signature must be within ±300 s of now, either way. Every configured secret
is tried, so a secret can be rotated without losing deliveries.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Sequence

import msgspec

from engine.intake.depth import MAX_JSON_DEPTH, too_deep
from engine.plugins.provider import (
    Accepted,
    FraudWarningReceived,
    Ignored,
    Rejected,
    WebhookRequest,
    WebhookVerdict,
)
from providers.stripe.consts import DISPUTE_EVENT_TYPES, EARLY_FRAUD_WARNING_EVENT_TYPES
from providers.stripe.fraud_warnings import warning_from_event
from providers.stripe.mapping import MappingError, event_from_webhook
from providers.stripe.payloads import Envelope, dispute_event_decoder, envelope_decoder

log = logging.getLogger("disputes.stripe.webhook")

TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The delivery is not provably from Stripe; the message says why (for the log)."""


def verify_signature(
    body: bytes,
    header: str | None,
    secrets: Sequence[str],
    now: float,
    tolerance: int = TOLERANCE_SECONDS,
) -> None:
    """Raise :class:`SignatureError` unless ``header`` signs ``body`` with one of ``secrets``
    at a time within ``tolerance`` seconds of ``now``."""
    if not header:
        raise SignatureError("no Stripe-Signature header")
    if not header.isascii():
        # hmac.compare_digest raises TypeError on non-ASCII text: refuse it as a bad header.
        raise SignatureError("Stripe-Signature is not ASCII")
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("Stripe-Signature has a malformed timestamp") from None
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None:
        raise SignatureError("Stripe-Signature has no timestamp")
    if not signatures:
        raise SignatureError("Stripe-Signature has no v1 signature")
    if abs(now - timestamp) > tolerance:
        raise SignatureError(f"Stripe-Signature timestamp is {int(now - timestamp)} s off")
    signed = str(timestamp).encode() + b"." + body
    for secret in secrets:
        expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, candidate) for candidate in signatures):
            return
    raise SignatureError("no Stripe-Signature matches a configured secret")


def handle(request: WebhookRequest, secrets: Sequence[str]) -> WebhookVerdict:
    """Verify, decode (envelope first) and translate one delivery."""
    try:
        verify_signature(
            request.body,
            request.headers.get("stripe-signature"),
            secrets,
            now=request.received_at.timestamp(),
        )
    except SignatureError as error:
        return Rejected(status_code=400, reason=f"signature refused: {error}", store=False)
    if too_deep(request.body):
        return Rejected(
            status_code=400, reason=f"body nested deeper than {MAX_JSON_DEPTH} levels", store=False
        )
    try:
        envelope = envelope_decoder.decode(request.body)
    except msgspec.DecodeError as error:
        # Authentic but unreadable: keep the body for a person to look at.
        return Rejected(status_code=400, reason=f"malformed event: {error}", store=True)
    if envelope.type in EARLY_FRAUD_WARNING_EVENT_TYPES:
        return _fraud_warning(request.body, envelope)
    if envelope.type not in DISPUTE_EVENT_TYPES:
        return Ignored(
            event_id=envelope.id,
            event_type=envelope.type,
            reason=f"{envelope.type} is not a dispute event",
        )
    try:
        body = dispute_event_decoder.decode(request.body)
        if body.data.object.get("object") != "dispute":
            # Signed, but not what the type promises: no dispute row may come of it.
            raise MappingError(
                f"data.object is a {body.data.object.get('object')!r}, not a dispute"
            )
        event = event_from_webhook(
            envelope.id, envelope.type, envelope.created, envelope.account, body.data.object
        )
    except (msgspec.DecodeError, MappingError) as error:
        return Rejected(status_code=400, reason=f"malformed {envelope.type}: {error}", store=True)
    if envelope.created <= 0:
        return Rejected(status_code=400, reason="event without a creation time", store=True)
    return Accepted(event_id=envelope.id, event_type=envelope.type, events=(event,))


def _fraud_warning(body: bytes, envelope: Envelope) -> WebhookVerdict:
    """``radar.early_fraud_warning.*``: the whole warning object, as a neutral warning."""
    try:
        warning = warning_from_event(body, envelope.created, envelope.account)
    except (msgspec.DecodeError, MappingError) as error:
        return Rejected(status_code=400, reason=f"malformed {envelope.type}: {error}", store=True)
    return FraudWarningReceived(event_id=envelope.id, event_type=envelope.type, warning=warning)


def parse_secrets(value: str) -> tuple[str, ...]:
    """``DISPUTES_STRIPE_WEBHOOK_SECRET``: one or more secrets, comma-separated."""
    return tuple(part.strip() for part in value.split(",") if part.strip())
