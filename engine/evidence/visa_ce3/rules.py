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


def _device_id(record: PaymentRecord) -> str | None:
    value = record.customer_device_id
    return value if value and len(value) >= DEVICE_ID_MIN_CHARS else None


def _fingerprint(record: PaymentRecord) -> str | None:
    value = record.customer_device_fingerprint
    return value if value and len(value) >= FINGERPRINT_MIN_CHARS else None


def matching_elements(disputed: PaymentRecord, prior: PaymentRecord) -> frozenset[Element]:
    """The elements both payments carry with the same value."""
    found: set[Element] = set()
    if _same(disputed.customer_purchase_ip, prior.customer_purchase_ip):
        found.add(Element.IP)
    if _same(_device_id(disputed), _device_id(prior)) or _same(
        _fingerprint(disputed), _fingerprint(prior)
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
