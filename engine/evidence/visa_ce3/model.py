"""What Visa Compelling Evidence 3.0 is built from: per-payment facts, the block sent, and the
processor's own view of eligibility.

Per-payment facts arrive from two places: the processor's source (its charges of the same
customer: time, purchase IP, email, shipping address) and the merchant's own data (account id,
device id or fingerprint, IP) through :class:`engine.plugins.sources.Contribution.payments`.
Records of the same ``payment_id`` are merged, the first word on each element standing.
"""

from __future__ import annotations

import enum
from datetime import datetime

import msgspec

PROGRAM = "visa_compelling_evidence_3"
"""The eligibility type a dispute carries when the processor offers CE 3.0 for it."""


class MerchandiseOrServices(enum.StrEnum):
    MERCHANDISE = "merchandise"
    SERVICES = "services"


class ShippingAddress(msgspec.Struct, frozen=True, kw_only=True):
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    state: str = ""

    def key(self) -> tuple[str, ...]:
        """The address as compared: case and surrounding spaces do not make it another."""
        parts = (self.line1, self.line2, self.city, self.state, self.postal_code, self.country)
        return tuple(" ".join(part.lower().split()) for part in parts)


class PaymentRecord(msgspec.Struct, frozen=True, kw_only=True):
    """What is known about one payment; ``None`` where nothing is known."""

    payment_id: str
    created_at: datetime | None = None
    undisputed: bool | None = None
    """``True`` when paid, never disputed and not refunded (a prior candidate must be)."""
    customer_account_id: str | None = None
    customer_purchase_ip: str | None = None
    customer_device_id: str | None = None
    customer_device_fingerprint: str | None = None
    customer_email_address: str | None = None
    shipping_address: ShippingAddress | None = None
    product_description: str | None = None
    merchandise_or_services: MerchandiseOrServices | None = None
    """What the payment bought, as the merchant classes it (only the disputed one's is sent)."""

    def merged(self, other: PaymentRecord) -> PaymentRecord:
        """This record with the gaps filled from ``other`` (same payment)."""
        values = {
            name: getattr(self, name) if getattr(self, name) is not None else getattr(other, name)
            for name in self.__struct_fields__
        }
        return PaymentRecord(**values)


class Ce3Evidence(msgspec.Struct, frozen=True, kw_only=True):
    """The block sent: the disputed payment and exactly two prior undisputed ones."""

    disputed: PaymentRecord
    priors: tuple[PaymentRecord, PaymentRecord]
    merchandise_or_services: MerchandiseOrServices


class Eligibility(msgspec.Struct, frozen=True, kw_only=True):
    """The processor's word on CE 3.0 for one dispute (Stripe's
    ``evidence_details.enhanced_eligibility.visa_compelling_evidence_3``)."""

    offered: bool
    """The dispute's eligibility types include CE 3.0."""
    status: str | None = None
    """``qualified`` | ``requires_action`` | ``not_qualified`` (an open set)."""
    required_actions: tuple[str, ...] = ()
