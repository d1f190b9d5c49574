"""What people read instead of identifiers: labels, money and dates for the dashboard.

The one place that turns the engine's enums into words, amounts into a currency's own format
(Babel, so "$129.00" and "₦5,000.00" rather than "USD 129.00" next to "129.00 USD") and instants
into the merchant's time zone with a relative phrase ("in 3 days", "2 hours ago"). Every enum
member has a label: a new one without a label fails the tests rather than showing snake_case.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_currency
from jinja2 import pass_context
from jinja2.runtime import Context

from engine.disputes.model import Funds, Money, Reason, Stage, Status
from engine.evidence.model import FileField, TextField

LOCALE = "en_US"

STATUS_LABELS: Mapping[Status, str] = {
    Status.RECEIVED: "Received",
    Status.OPEN: "Open",
    Status.FAILED: "Needs attention",
    Status.NEEDS_RESPONSE: "Needs response",
    Status.UNDER_REVIEW: "Under review",
    Status.WON: "Won",
    Status.LOST: "Lost",
    Status.ACCEPTED: "Accepted",
    Status.EXPIRED: "Expired",
    Status.PREVENTED: "Prevented",
    Status.CLOSED: "Closed",
}

STAGE_LABELS: Mapping[Stage, str] = {
    Stage.PREVENTION: "Prevention",
    Stage.INQUIRY: "Inquiry",
    Stage.CHARGEBACK: "Chargeback",
    Stage.APPEAL: "Appeal",
    Stage.PRE_ARBITRATION: "Pre-arbitration",
    Stage.ARBITRATION: "Arbitration",
}

REASON_LABELS: Mapping[Reason, str] = {
    Reason.FRAUDULENT: "Fraudulent",
    Reason.DUPLICATE: "Duplicate charge",
    Reason.PRODUCT_NOT_RECEIVED: "Product not received",
    Reason.PRODUCT_UNACCEPTABLE: "Product unacceptable",
    Reason.SUBSCRIPTION_CANCELED: "Subscription canceled",
    Reason.CREDIT_NOT_PROCESSED: "Credit not processed",
    Reason.UNRECOGNIZED: "Unrecognized charge",
    Reason.GENERAL: "General",
}

FUNDS_LABELS: Mapping[Funds, str] = {
    Funds.NOT_DEBITED: "Not withdrawn",
    Funds.DEBITED: "Withdrawn",
    Funds.REINSTATED: "Returned",
    Funds.PARTIALLY_REINSTATED: "Partly returned",
    Funds.UNKNOWN: "Unknown",
}

FIELD_LABELS: Mapping[TextField | FileField, str] = {
    TextField.ACCESS_ACTIVITY_LOG: "Access activity log",
    TextField.BILLING_ADDRESS: "Billing address",
    TextField.CANCELLATION_POLICY_DISCLOSURE: "Cancellation policy disclosure",
    TextField.CANCELLATION_REBUTTAL: "Cancellation rebuttal",
    TextField.CUSTOMER_EMAIL_ADDRESS: "Customer email",
    TextField.CUSTOMER_NAME: "Customer name",
    TextField.CUSTOMER_PURCHASE_IP: "Purchase IP address",
    TextField.DUPLICATE_CHARGE_EXPLANATION: "Duplicate charge explanation",
    TextField.DUPLICATE_CHARGE_ID: "Duplicate charge ID",
    TextField.PRODUCT_DESCRIPTION: "Product description",
    TextField.REFUND_POLICY_DISCLOSURE: "Refund policy disclosure",
    TextField.REFUND_REFUSAL_EXPLANATION: "Refund refusal explanation",
    TextField.SERVICE_DATE: "Service date",
    TextField.SHIPPING_ADDRESS: "Shipping address",
    TextField.SHIPPING_CARRIER: "Shipping carrier",
    TextField.SHIPPING_DATE: "Shipping date",
    TextField.SHIPPING_TRACKING_NUMBER: "Tracking number",
    TextField.UNCATEGORIZED_TEXT: "Other information",
    FileField.CANCELLATION_POLICY: "Cancellation policy",
    FileField.CUSTOMER_COMMUNICATION: "Customer communication",
    FileField.CUSTOMER_SIGNATURE: "Customer signature",
    FileField.DUPLICATE_CHARGE_DOCUMENTATION: "Duplicate charge documentation",
    FileField.RECEIPT: "Receipt",
    FileField.REFUND_POLICY: "Refund policy",
    FileField.SERVICE_DOCUMENTATION: "Service documentation",
    FileField.SHIPPING_DOCUMENTATION: "Shipping documentation",
    FileField.UNCATEGORIZED_FILE: "Other document",
}

_TABLES: tuple[Mapping[Any, str], ...] = (
    STATUS_LABELS,
    STAGE_LABELS,
    REASON_LABELS,
    FUNDS_LABELS,
    FIELD_LABELS,
)
# Keyed by the plain value, so a string read back from the database finds its label too.
_BY_VALUE: Mapping[str, str] = {str(key): text for table in _TABLES for key, text in table.items()}


def label(value: object) -> str:
    """The human label of any engine enum member; other text is tidied, never shown raw.

    Templates pass stored strings too (a provider's raw reason, a field from an older version),
    so an unknown value is turned into words ("bank_cannot_process" -> "Bank cannot process").
    """
    if value is None:
        return ""
    known = _BY_VALUE.get(str(value))
    if known is not None:
        return known
    text = str(value).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def money(amount: Money) -> str:
    """One format per currency, with its own symbol and number of decimals."""
    return format_currency(amount.amount, amount.currency, locale=LOCALE)


def money_of(amount: Decimal, currency: str) -> str:
    return money(Money(amount, currency.upper()))


class When(msgspec.Struct, frozen=True):
    """An instant as people read it: the local date and time, and how far it is from now."""

    local: str
    relative: str
    iso: str
    """For the ``<time datetime>`` attribute, so the exact instant stays available."""


def when(instant: datetime, *, now: datetime, zone: ZoneInfo) -> When:
    """``instant`` in ``zone`` and relative to ``now`` (injected: never read the clock here)."""
    if instant.tzinfo is None:
        # The database stores naive UTC on SQLite; a naive instant is UTC, never local time.
        instant = instant.replace(tzinfo=ZoneInfo("UTC"))
    local = instant.astimezone(zone)
    relative = format_timedelta(
        instant - now, add_direction=True, locale=LOCALE, granularity="minute"
    )
    return When(
        local=format_datetime(local, "d MMM yyyy, HH:mm zzz", locale=LOCALE),
        relative=relative,
        iso=local.isoformat(),
    )


@pass_context
def when_filter(context: Context, instant: datetime | str | None) -> When | None:
    """``{% set w = d.respond_by | when %}``: the page's ``now`` and merchant ``zone``.
    Reports keep instants as ISO text ("2026-12-01T21:45:14Z"): parsed here."""
    if instant is None:
        return None
    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    now = context.get("now") or datetime.now(ZoneInfo("UTC"))
    zone = context.get("zone") or ZoneInfo("UTC")
    if now.tzinfo is None:
        now = now.replace(tzinfo=ZoneInfo("UTC"))
    return when(instant, now=now, zone=zone)


def every(seconds: int) -> str:
    """How often something repeats, as a person says it: ``hour``, ``2 hours``, ``90 minutes``;
    empty for 0 (never)."""
    if seconds <= 0:
        return ""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"
