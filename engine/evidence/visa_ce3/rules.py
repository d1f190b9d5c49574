"""Visa's qualification rules for Compelling Evidence 3.0, as Stripe states them.

- The dispute is Visa reason code 10.4 (card-absent fraud) and the processor offers CE 3.0.
- Two prior payments, paid and never disputed, processed 120 to 365 calendar days before the
  disputed one ("more than 119 and fewer than 366 days").
- The disputed payment and each prior match on two *main* elements, or on one main and one
  *secondary*: main are the purchase IP, the device (id or fingerprint: one element, never two)
  and the customer's account id; secondary are the shipping address and the email address.
- Product descriptions for all three, and the disputed payment classed as merchandise or
  services.

:func:`plan` applies them to the known payments: the block to send, or every reason it cannot be
sent, in words a merchant reads on the detail page.
"""

from __future__ import annotations

import enum
import ipaddress
from collections.abc import Iterable, Sequence
from datetime import datetime

import msgspec

from engine.evidence.visa_ce3.model import Ce3Evidence, PaymentRecord

WINDOW_DAYS = (120, 365)
VISA_FRAUD_CODE = "10.4"
FINGERPRINT_MIN_CHARS = 20
DEVICE_ID_MIN_CHARS = 15


class Element(enum.StrEnum):
    IP = "IP address"
    DEVICE = "device"
    ACCOUNT = "customer account id"
    SHIPPING = "shipping address"
    EMAIL = "email address"


MAIN = frozenset({Element.IP, Element.DEVICE, Element.ACCOUNT})
SECONDARY = frozenset({Element.SHIPPING, Element.EMAIL})


class NotQualified(msgspec.Struct, frozen=True):
    reasons: tuple[str, ...]


def days_before(disputed_at: datetime, prior_at: datetime) -> int:
    """Calendar days from the prior payment to the disputed one (UTC dates)."""
    return (disputed_at.date() - prior_at.date()).days


def in_window(disputed_at: datetime, prior_at: datetime) -> bool:
    low, high = WINDOW_DAYS
    return low <= days_before(disputed_at, prior_at) <= high


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and a.strip().lower() == b.strip().lower()  # type: ignore[union-attr]


def usable(record: PaymentRecord) -> PaymentRecord:
    """``record`` without the elements Visa would refuse: a device id under 15 characters, a
    fingerprint under 20, an IP address that is not one. They neither match nor get sent."""
    ip_text = (record.customer_purchase_ip or "").strip()
    try:
        ip_value: str | None = str(ipaddress.ip_address(ip_text)) if ip_text else None
    except ValueError:
        ip_value = None
    device = (record.customer_device_id or "").strip()
    fingerprint = (record.customer_device_fingerprint or "").strip()
    return msgspec.structs.replace(
        record,
        customer_purchase_ip=ip_value,
        customer_device_id=device if len(device) >= DEVICE_ID_MIN_CHARS else None,
        customer_device_fingerprint=fingerprint
        if len(fingerprint) >= FINGERPRINT_MIN_CHARS
        else None,
    )


def matching_elements(disputed: PaymentRecord, prior: PaymentRecord) -> frozenset[Element]:
    """The elements both payments carry with the same value."""
    found: set[Element] = set()
    disputed, prior = usable(disputed), usable(prior)
    if _same(disputed.customer_purchase_ip, prior.customer_purchase_ip):
        found.add(Element.IP)
    if _same(disputed.customer_device_id, prior.customer_device_id) or _same(
        disputed.customer_device_fingerprint, prior.customer_device_fingerprint
    ):
        found.add(Element.DEVICE)
    if _same(disputed.customer_account_id, prior.customer_account_id):
        found.add(Element.ACCOUNT)
    if _same(disputed.customer_email_address, prior.customer_email_address):
        found.add(Element.EMAIL)
    if (
        disputed.shipping_address is not None
        and prior.shipping_address is not None
        and disputed.shipping_address.key() == prior.shipping_address.key()
    ):
        found.add(Element.SHIPPING)
    return frozenset(found)


def links(elements: Iterable[Element]) -> bool:
    """Two main elements, or one main and one secondary."""
    chosen = set(elements)
    main = len(chosen & MAIN)
    return main >= 2 or (main == 1 and bool(chosen & SECONDARY))


def plan(
    disputed: PaymentRecord,
    candidates: Sequence[PaymentRecord],
) -> Ce3Evidence | NotQualified:
    """The CE 3.0 block for ``disputed`` from ``candidates``, or why there is none.

    Among linked candidates in the window the two nearest the disputed payment are chosen.
    """
    reasons: list[str] = []
    disputed = usable(disputed)
    candidates = [usable(candidate) for candidate in candidates]
    if disputed.created_at is None:
        return NotQualified(("the disputed payment's date is unknown",))
    merchandise_or_services = disputed.merchandise_or_services
    if merchandise_or_services is None:
        reasons.append(
            "the disputed payment is not classed as merchandise or services (the merchant's "
            "payment facts carry it: app_sql's merchandise_or_services column)"
        )
    if not disputed.product_description:
        reasons.append("the disputed payment has no product description")
    others = [c for c in candidates if c.payment_id != disputed.payment_id]
    paid = [c for c in others if c.undisputed and c.created_at is not None]
    windowed = [c for c in paid if c.created_at and in_window(disputed.created_at, c.created_at)]
    linked = [c for c in windowed if links(matching_elements(disputed, c))]
    described = [c for c in linked if c.product_description]
    if len(described) < 2:
        reasons.append(_shortfall(len(others), len(paid), len(windowed), len(linked), described))
    if reasons:
        return NotQualified(tuple(reasons))
    assert merchandise_or_services is not None
    nearest = sorted(described, key=lambda c: (c.created_at, c.payment_id), reverse=True)
    return Ce3Evidence(
        disputed=disputed,
        priors=(nearest[0], nearest[1]),
        merchandise_or_services=merchandise_or_services,
    )


def _shortfall(
    others: int, paid: int, windowed: int, linked: int, described: list[PaymentRecord]
) -> str:
    low, high = WINDOW_DAYS
    if paid < 2:
        return (
            f"two earlier paid, undisputed payments by this customer are needed; {paid} found"
            + (f" among {others} earlier payments" if others != paid else "")
        )
    if windowed < 2:
        return (
            f"two earlier undisputed payments {low}–{high} days before the disputed one are "
            f"needed; {windowed} of {paid} fall in that window"
        )
    if linked < 2:
        return (
            f"only {linked} of the {windowed} payments in the window match the disputed one on "
            "two elements (two of IP address, device, customer account id; or one of those and "
            "the shipping or email address)"
        )
    return (
        f"only {len(described)} of the {linked} matching prior payments have a product description"
    )
