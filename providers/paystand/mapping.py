"""A Paystand dispute resource, as the API returns it, turned into a neutral snapshot.

Amounts are decimal strings and stay exact: they are parsed by :mod:`engine.disputes.money`, and the
JSON is decoded with ``float_hook=Decimal`` so that not even the raw copy we keep holds a float.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import msgspec

from engine.disputes.model import (
    Described,
    DisputeSnapshot,
    Funds,
    Money,
    Reason,
    Status,
)
from engine.disputes.money import MoneyError, money_from_decimal_text, parse_decimal_amount
from engine.errors import ProviderError
from engine.plugins.provider import snapshot_event_id
from providers.paystand.consts import (
    BANK_SOURCE_TYPES,
    PROVIDER_ID,
    REASONS,
    STAGE,
    STATUSES,
    UNKNOWN_STATUS,
)

json_decoder = msgspec.json.Decoder(float_hook=Decimal)
"""Paystand JSON as Python values; a JSON number becomes a ``Decimal``, never a float."""


class UnreadableRecord(ProviderError):
    """The API answered with a dispute the engine cannot read exactly (a bad amount, a missing
    field): refused rather than guessed."""


class Payer(msgspec.Struct, kw_only=True):
    id: str | None = None
    name: str | None = None
    email: str | None = None


class PaymentSource(msgspec.Struct, kw_only=True):
    brand: str | None = None
    last4: str | None = None


class Payment(msgspec.Struct, kw_only=True):
    id: str | None = None
    payer: Payer | None = None
    sourceType: str | None = None


class Fee(msgspec.Struct, kw_only=True):
    amount: str
    currency: str | None = None


class DisputeResource(msgspec.Struct, kw_only=True):
    """The fields of Paystand's dispute object the engine reads; the rest stays in the raw."""

    id: str
    amount: str
    currency: str
    status: str
    lastUpdated: datetime
    reason: str | None = None
    created: datetime | None = None
    fees: list[Fee] = []
    paymentId: str | None = None
    resourceId: str | None = None
    resourceType: str | None = None
    resource: Payment | None = None
    amountWon: str | None = None
    disputeFee: str | None = None


def read_resource(raw: Any) -> DisputeResource:
    """Validate a decoded dispute object; :class:`UnreadableRecord` says what is wrong."""
    try:
        return msgspec.convert(raw, DisputeResource)
    except msgspec.ValidationError as error:
        where = raw.get("id") if isinstance(raw, dict) else None
        raise UnreadableRecord(f"Paystand dispute {where or '?'} cannot be read: {error}") from None


def to_snapshot(resource: DisputeResource) -> DisputeSnapshot:
    """The neutral view of one dispute resource (table: ``consts.STATUSES``)."""
    try:
        money = money_from_decimal_text(resource.amount, resource.currency)
        fees = _fees(resource, money.currency)
        funds = _funds(resource, money)
    except MoneyError as error:
        raise UnreadableRecord(f"Paystand dispute {resource.id}: {error}") from None
    status = STATUSES.get(resource.status, UNKNOWN_STATUS)
    payer = resource.resource.payer if resource.resource else None
    return DisputeSnapshot(
        stage=STAGE,
        status=status,
        provider_status=resource.status,
        reason=REASONS.get(resource.reason or "", Reason.GENERAL),
        provider_reason=resource.reason,
        money=money,
        funds=funds,
        payment_id=resource.paymentId
        or (resource.resourceId if resource.resourceType == "Payment" else None),
        customer_id=payer.id if payer else None,
        customer_email=payer.email if payer else None,
        customer_name=payer.name if payer else None,
        created_at=resource.created,
        fees=fees,
    )


def to_event(raw: dict[str, Any], *, event_id: str | None = None) -> Described:
    """An event describing the dispute as the API returned it in ``raw``.

    ``event_id`` is Paystand's event id for a webhook; without it (sync, fetch-back) the id is
    derived from the object, so re-reading an unchanged dispute is a duplicate. The event
    happened when the API says the dispute last changed — never when a webhook body claims.
    """
    resource = read_resource(raw)
    snapshot = to_snapshot(resource)
    # The raw copy goes to JSON columns: numbers Paystand sent (decoded as Decimal) are kept
    # as their exact decimal text.
    plain = msgspec.to_builtins(raw)
    return Described(
        provider=PROVIDER_ID,
        event_id=event_id or snapshot_event_id(PROVIDER_ID, resource.id, plain),
        dispute_id=resource.id,
        type=f"dispute.{resource.status}",
        occurred_at=resource.lastUpdated,
        snapshot=snapshot,
        raw_dispute=plain,
    )


def is_bank_dispute(raw: dict[str, object] | None) -> bool:
    """Whether the disputed payment was a bank (ACH) payment: final on arrival."""
    payment = raw.get("resource") if raw else None
    return isinstance(payment, dict) and payment.get("sourceType") in BANK_SOURCE_TYPES


def _fees(resource: DisputeResource, currency: str) -> tuple[Money, ...]:
    fees = tuple(
        money_from_decimal_text(fee.amount, fee.currency or currency) for fee in resource.fees
    )
    if not fees and resource.disputeFee:
        # The older dispute object names the fee in its own field instead of the list.
        fee = money_from_decimal_text(resource.disputeFee, currency)
        fees = (fee,) if fee.amount else ()
    return fees


def _funds(resource: DisputeResource, money: Money) -> Funds:
    """Where the disputed money is. Paystand debits the merchant when the dispute is processed
    (a balance change appears) and credits back what was won."""
    status = STATUSES.get(resource.status)
    if status is Status.WON:
        if resource.amountWon is None:
            return Funds.REINSTATED
        won = parse_decimal_amount(resource.amountWon)
        if won >= money.amount:
            return Funds.REINSTATED
        return Funds.PARTIALLY_REINSTATED if won > 0 else Funds.DEBITED
    if status is Status.LOST:
        return Funds.DEBITED
    if status is Status.FAILED or status is None:
        return Funds.UNKNOWN
    if status is Status.RECEIVED and resource.status == "created":
        return Funds.UNKNOWN  # not processed yet: no balance change so far
    return Funds.DEBITED
