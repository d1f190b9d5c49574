"""Stripe's ``radar.early_fraud_warning`` and charge objects, as the engine's neutral values.

The warning object (Stripe's OpenAPI): ``id``, ``object``, ``actionable``, ``charge``,
``created``, ``fraud_type``, ``livemode``, ``payment_intent``. It carries no amount: the worker
reads the charge before it decides anything (:func:`charge_facts`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from engine.disputes.money import MoneyError
from engine.fraud_warnings.model import FraudWarning
from engine.plugins.provider import ChargeFacts
from providers.stripe.consts import PROVIDER_ID
from providers.stripe.mapping import MappingError, minor_to_money

WARNING_OBJECT = "radar.early_fraud_warning"


class EarlyFraudWarning(msgspec.Struct, frozen=True):
    id: str
    charge: str
    created: int
    fraud_type: str
    actionable: bool
    livemode: bool = False
    payment_intent: str | None = None
    object: str = WARNING_OBJECT


class WarningData(msgspec.Struct, frozen=True):
    object: EarlyFraudWarning


class WarningEventBody(msgspec.Struct, frozen=True):
    """The full event, decoded only for ``radar.early_fraud_warning.*``."""

    data: WarningData


warning_event_decoder = msgspec.json.Decoder(WarningEventBody)


class Charge(msgspec.Struct, frozen=True):
    id: str
    amount: int
    currency: str
    amount_refunded: int = 0
    refunded: bool = False
    disputed: bool = False


def warning_from_event(body: bytes, created: int, account: str | None) -> FraudWarning:
    """Decode the event ``body`` (already verified) into a neutral warning; raises
    :class:`msgspec.DecodeError` or :class:`MappingError` for one that is not a warning."""
    warning = warning_event_decoder.decode(body).data.object
    if warning.object != WARNING_OBJECT:
        raise MappingError(f"data.object is a {warning.object!r}, not an early fraud warning")
    if not warning.id or not warning.charge:
        raise MappingError("an early fraud warning without an id or a charge")
    if warning.created <= 0 or created <= 0:
        raise MappingError("an early fraud warning without a creation time")
    return FraudWarning(
        provider=PROVIDER_ID,
        warning_id=warning.id,
        charge_id=warning.charge,
        account=account,
        payment_id=warning.payment_intent,
        fraud_type=warning.fraud_type,
        actionable=warning.actionable,
        created_at=datetime.fromtimestamp(warning.created, tz=UTC),
        observed_at=datetime.fromtimestamp(created, tz=UTC),
    )


def charge_facts(raw: dict[str, Any]) -> ChargeFacts:
    """A charge from the API as the facts the refund decision needs."""
    try:
        charge = msgspec.convert(raw, Charge)
        money = minor_to_money(charge.amount, charge.currency)
    except (msgspec.ValidationError, MoneyError) as error:
        raise MappingError(f"the charge cannot be read: {error}") from error
    return ChargeFacts(
        charge_id=charge.id,
        money=money,
        refunded=charge.refunded or charge.amount_refunded >= charge.amount,
        disputed=charge.disputed,
    )
