"""Moving a :class:`DisputeState` in and out of its database row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import JSON

from engine.db.base import utcnow
from engine.db.models import (
    Dispute,
    DisputeEventRow,
    EventSource,
    WebhookDelivery,
    WebhookOutcome,
)
from engine.db.packing import ZLIB, pack, pack_body, unpack, unpack_json
from engine.disputes.model import (
    CustomerFound,
    CustomerIdentity,
    Described,
    DisputeEvent,
    DisputeSnapshot,
    DisputeState,
    EvidenceSent,
    Funds,
    FundsMoved,
    Money,
)
from engine.disputes.money import format_amount

_event_decoder: msgspec.json.Decoder[DisputeEvent] = msgspec.json.Decoder(DisputeEvent)


class _UntaggedEvent(msgspec.Struct, frozen=True, kw_only=True):
    """How events were stored before they were a tagged union (schema 0007 and older): one
    struct whose optional fields told the kinds apart. Read, never written."""

    provider: str
    event_id: str
    dispute_id: str
    type: str
    occurred_at: datetime
    snapshot: DisputeSnapshot | None = None
    funds: Funds | None = None
    account: str | None = None
    raw_dispute: dict[str, object] | None = None
    evidence_sent: bool = False
    customer: CustomerIdentity | None = None


_untagged_decoder = msgspec.json.Decoder(_UntaggedEvent)


def write_state(row: Dispute, state: DisputeState, *, raw: bool = True) -> None:
    """Write ``state`` onto its row; ``raw=False`` leaves the processor's object to a later
    :func:`write_raw` (a batch compresses it once per dispute, not once per event)."""
    row.account = state.account
    row.stage = state.stage
    row.status = state.status
    row.provider_status = state.provider_status
    row.reason = state.reason
    row.provider_reason = state.provider_reason
    row.network_reason_code = state.network_reason_code
    row.amount = format_amount(state.money.amount)
    row.currency = state.money.currency
    row.funds = state.funds
    row.fees = [
        {"amount": format_amount(fee.amount), "currency": fee.currency} for fee in state.fees
    ]
    row.respond_by = state.respond_by
    row.payment_id = state.payment_id
    row.customer_id = state.customer_id
    row.customer_email = state.customer_email
    row.customer_name = state.customer_name
    row.submission_count = state.submission_count
    row.created_at = state.created_at
    row.last_event_at = state.last_event_at
    if raw:
        write_raw(row, state)


STATE_COLUMNS = (
    "account",
    "stage",
    "status",
    "provider_status",
    "reason",
    "provider_reason",
    "network_reason_code",
    "amount",
    "currency",
    "funds",
    "fees",
    "respond_by",
    "payment_id",
    "customer_id",
    "customer_email",
    "customer_name",
    "submission_count",
    "created_at",
    "last_event_at",
    "raw",
    "raw_packed",
)
"""The columns :func:`write_state` writes: a dispute's state, as opposed to its work."""


def new_dispute_values(state: DisputeState) -> dict[str, Any]:
    """The columns of a new dispute row holding ``state`` (the same keys for every dispute,
    so many rows can be inserted in one statement)."""
    probe = Dispute(provider=state.provider, dispute_id=state.dispute_id)
    write_state(probe, state)
    now = utcnow()
    return {
        "provider": state.provider,
        "dispute_id": state.dispute_id,
        **{column: getattr(probe, column) for column in STATE_COLUMNS},
        "first_seen_at": now,
        "updated_at": now,
    }


def write_raw(row: Dispute, state: DisputeState) -> None:
    row.raw = None
    row.raw_packed = None if state.raw_dispute is None else pack(state.raw_dispute)


def read_state(row: Dispute) -> DisputeState:
    return DisputeState(
        provider=row.provider,
        dispute_id=row.dispute_id,
        account=row.account,
        stage=row.stage,
        status=row.status,
        provider_status=row.provider_status,
        reason=row.reason,
        provider_reason=row.provider_reason,
        money=Money(amount=Decimal(row.amount), currency=row.currency),
        funds=row.funds,
        network_reason_code=row.network_reason_code,
        respond_by=row.respond_by,
        payment_id=row.payment_id,
        customer_id=row.customer_id,
        customer_email=row.customer_email,
        customer_name=row.customer_name,
        created_at=row.created_at,
        fees=tuple(
            Money(amount=Decimal(fee["amount"]), currency=fee["currency"]) for fee in row.fees
        ),
        submission_count=row.submission_count,
        last_event_at=row.last_event_at,
        raw_dispute=unpack(row.raw_packed) if row.raw_packed is not None else row.raw,
    )


def decode_event(row: DisputeEventRow) -> DisputeEvent:
    return decode_stored(row.packed, row.payload)


def decode_stored(packed: bytes | None, payload: dict[str, Any] | None) -> DisputeEvent:
    """An event from its stored columns: ``packed`` (compressed), else the older ``payload``."""
    data = unpack_json(packed) if packed is not None else msgspec.json.encode(payload)
    try:
        return _event_decoder.decode(data)
    except msgspec.ValidationError:
        return _from_untagged(_untagged_decoder.decode(data))


def _from_untagged(old: _UntaggedEvent) -> DisputeEvent:
    common: dict[str, Any] = {
        "provider": old.provider,
        "event_id": old.event_id,
        "dispute_id": old.dispute_id,
        "type": old.type,
        "occurred_at": old.occurred_at,
        "account": old.account,
        "raw_dispute": old.raw_dispute,
    }
    if old.snapshot is not None:
        return Described(**common, snapshot=old.snapshot, funds=old.funds)
    if old.funds is not None:
        return FundsMoved(**common, funds=old.funds)
    if old.customer is not None:
        return CustomerFound(**common, customer=old.customer)
    if old.evidence_sent:
        return EvidenceSent(**common)
    raise ValueError(f"stored event {old.event_id} is of no known kind")


def new_delivery(
    provider: str,
    body: bytes,
    outcome: WebhookOutcome,
    *,
    event_id: str | None = None,
    event_type: str | None = None,
) -> WebhookDelivery:
    """A webhook delivery as it is kept: its body compressed, whatever it turns out to be."""
    return WebhookDelivery(
        provider=provider,
        body=pack_body(body),
        body_encoding=ZLIB,
        event_id=event_id,
        event_type=event_type,
        outcome=outcome,
    )


def event_row(
    dispute_pk: int, event: DisputeEvent, source: EventSource, applied: bool
) -> dict[str, Any]:
    """The columns of ``event`` as stored for its dispute (its whole self compressed in
    ``packed``; the status columns beside it for the dashboard's history)."""
    described = event.snapshot if isinstance(event, Described) else None
    return {
        "dispute_pk": dispute_pk,
        "provider": event.provider,
        "event_id": event.event_id,
        "type": event.type,
        "source": source,
        "occurred_at": event.occurred_at,
        "received_at": utcnow(),
        "status": described.status if described else None,
        "provider_status": described.provider_status if described else None,
        "applied": applied,
        "payload": JSON.NULL,
        "packed": pack(event),
    }
