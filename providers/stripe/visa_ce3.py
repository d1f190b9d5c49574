"""Visa Compelling Evidence 3.0 in Stripe's words: eligibility read from the dispute, per-payment
facts from charges, and the ``evidence[enhanced_evidence][visa_compelling_evidence_3]`` block as
stripe-python 16's ``DisputeUpdateParamsEvidenceEnhancedEvidenceVisaCompellingEvidence3`` types
it (``disputed_transaction`` and exactly two ``prior_undisputed_transactions``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.evidence.visa_ce3.model import (
    PROGRAM,
    Ce3Evidence,
    Eligibility,
    PaymentRecord,
    ShippingAddress,
)
from providers.stripe.consts import SHORT_TEXT_LIMIT


def eligibility(dispute: dict[str, Any]) -> Eligibility:
    """``enhanced_eligibility_types`` and ``evidence_details.enhanced_eligibility`` of a dispute."""
    types = dispute.get("enhanced_eligibility_types") or []
    details = dispute.get("evidence_details") or {}
    found = (details.get("enhanced_eligibility") or {}).get(PROGRAM) or {}
    return Eligibility(
        offered=PROGRAM in types,
        status=found.get("status"),
        required_actions=tuple(str(action) for action in found.get("required_actions") or ()),
    )


def payment_record(charge: dict[str, Any], purchase_ip: str | None) -> PaymentRecord:
    """What a charge says about its payment (Stripe knows no account id or device)."""
    billing = charge.get("billing_details") or {}
    shipping = charge.get("shipping") or {}
    created = charge.get("created")
    refunded = int(charge.get("amount_refunded") or 0)
    return PaymentRecord(
        payment_id=str(charge["id"]),
        created_at=datetime.fromtimestamp(created, tz=UTC) if isinstance(created, int) else None,
        undisputed=charge.get("status") == "succeeded"
        and not charge.get("disputed")
        and refunded == 0,
        customer_purchase_ip=purchase_ip,
        customer_email_address=billing.get("email") or charge.get("receipt_email"),
        shipping_address=shipping_address(shipping.get("address")),
        product_description=charge.get("description") or None,
    )


def shipping_address(address: Any) -> ShippingAddress | None:
    """An address with the parts CE 3.0 needs (street, city, postal code, country), else None."""
    if not isinstance(address, dict):
        return None
    needed = ("line1", "city", "postal_code", "country")
    if not all(address.get(key) for key in needed):
        return None
    return ShippingAddress(
        line1=str(address["line1"]),
        line2=str(address.get("line2") or ""),
        city=str(address["city"]),
        state=str(address.get("state") or ""),
        postal_code=str(address["postal_code"]),
        country=str(address["country"]),
    )


_ELEMENTS = (
    "customer_account_id",
    "customer_device_fingerprint",
    "customer_device_id",
    "customer_email_address",
    "customer_purchase_ip",
    "product_description",
)


def _transaction(record: PaymentRecord) -> dict[str, Any]:
    block: dict[str, Any] = {
        name: getattr(record, name) for name in _ELEMENTS if getattr(record, name)
    }
    if "product_description" in block:
        # Stripe's limit on the field; the description is read, never matched, so cutting it
        # changes no verdict.
        block["product_description"] = block["product_description"][:SHORT_TEXT_LIMIT]
    if record.shipping_address is not None:
        address = record.shipping_address
        block["shipping_address"] = {
            "city": address.city,
            "country": address.country,
            "line1": address.line1,
            "line2": address.line2,
            "postal_code": address.postal_code,
            "state": address.state,
        }
    return block


def enhanced_evidence(evidence: Ce3Evidence) -> dict[str, Any]:
    """``evidence[enhanced_evidence]`` for a qualifying packet."""
    disputed = _transaction(evidence.disputed)
    disputed["merchandise_or_services"] = evidence.merchandise_or_services.value
    priors = [{"charge": prior.payment_id, **_transaction(prior)} for prior in evidence.priors]
    return {PROGRAM: {"disputed_transaction": disputed, "prior_undisputed_transactions": priors}}
