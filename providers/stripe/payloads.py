"""msgspec shapes of the Stripe payloads the engine reads.

Only the fields the engine uses are declared; unknown fields are ignored (never forbidden: Stripe
adds fields without notice). Decoders are built once, at import.
"""

from __future__ import annotations

from typing import Any

import msgspec


class Envelope(msgspec.Struct, frozen=True):
    """What every event has; decoded first, before knowing the type."""

    id: str
    type: str
    created: int = 0
    account: str | None = None
    livemode: bool = False


class BalanceTransaction(msgspec.Struct, frozen=True):
    amount: int
    currency: str
    fee: int = 0


class EvidenceDetails(msgspec.Struct, frozen=True):
    due_by: int | None = None
    has_evidence: bool = False
    past_due: bool = False
    submission_count: int = 0


class Evidence(msgspec.Struct, frozen=True):
    customer_email_address: str | None = None
    customer_name: str | None = None


class Card(msgspec.Struct, frozen=True):
    network_reason_code: str | None = None
    case_type: str | None = None


class PaymentMethodDetails(msgspec.Struct, frozen=True):
    card: Card | None = None


class Dispute(msgspec.Struct, frozen=True):
    id: str
    amount: int
    currency: str
    status: str
    reason: str | None = None
    created: int | None = None
    charge: str | None = None
    payment_intent: str | None = None
    network_reason_code: str | None = None
    balance_transactions: list[BalanceTransaction] = []
    evidence: Evidence | None = None
    evidence_details: EvidenceDetails | None = None
    # API versions before ``evidence_details`` existed (e.g. 2014-08-20) carry the deadline here;
    # webhooks arrive in the account's pinned version, so both shapes must be read.
    evidence_due_by: int | None = None
    payment_method_details: PaymentMethodDetails | None = None
    object: str = "dispute"


class DisputeData(msgspec.Struct, frozen=True):
    object: dict[str, Any]


class DisputeEventBody(msgspec.Struct, frozen=True):
    """The full event, decoded only for the ``charge.dispute.*`` types."""

    data: DisputeData


envelope_decoder = msgspec.json.Decoder(Envelope)
dispute_event_decoder = msgspec.json.Decoder(DisputeEventBody)


def dispute_from_object(raw: dict[str, Any]) -> Dispute:
    """A dispute object (from an event or the API) as the typed shape; raises
    :class:`msgspec.ValidationError` when a field has the wrong type."""
    return msgspec.convert(raw, Dispute)
