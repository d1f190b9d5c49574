"""The shapes of Stripe's objects as the emulator serves them: charge, review, dispute, event.

Pure builders: the caller (``state``) allocates ids and reads the clock, so the order ids are
handed out in stays in one place and these functions only say what each object looks like.
"""

from __future__ import annotations

import copy
from typing import Any

from emulators.stripe import rules

API_VERSION = "2026-10-28.endive"


def account_object(account_id: str, *, created: int) -> dict[str, Any]:
    """A connected account as ``GET /v1/accounts`` lists it (the fields a platform reads)."""
    return {
        "id": account_id,
        "object": "account",
        "type": "standard",
        "business_profile": {"name": None, "url": None},
        "charges_enabled": True,
        "payouts_enabled": True,
        "details_submitted": True,
        "country": "US",
        "default_currency": "usd",
        "created": created,
        "email": None,
        "metadata": {},
    }


def review_object(review_id: str, charge_id: str, ip_address: str) -> dict[str, Any]:
    return {
        "id": review_id,
        "object": "review",
        "charge": charge_id,
        "ip_address": ip_address,
        "open": False,
        "reason": "approved",
    }


def charge_object(
    charge_id: str,
    *,
    amount: int,
    currency: str,
    customer: str | None,
    status: str,
    amount_refunded: int,
    billing_details: dict[str, Any] | None,
    created: int,
    payment_intent: str,
    review: str | None,
    card: dict[str, Any] | None = None,
    description: str | None = None,
    shipping: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``shipping``: ``{"name", "address": {line1, line2, city, state, postal_code, country}}``."""
    return {
        "id": charge_id,
        "object": "charge",
        "payment_method_details": {"card": card_details(**(card or {})), "type": "card"},
        "amount": amount,
        "amount_captured": amount if status == "succeeded" else 0,
        "amount_refunded": amount_refunded,
        "refunded": amount_refunded >= amount > 0,
        "billing_details": billing_details
        or {"address": None, "email": None, "name": None, "phone": None},
        "created": created,
        "currency": currency,
        "customer": customer,
        "description": description,
        "disputed": False,
        "livemode": False,
        "metadata": {},
        "paid": status == "succeeded",
        "payment_intent": payment_intent,
        "receipt_email": None,
        "review": review,
        "shipping": shipping,
        "status": status,
    }


def customer_object(
    customer_id: str,
    *,
    created: int,
    name: str | None = None,
    email: str | None = None,
    address: dict[str, Any] | None = None,
    phone: str | None = None,
) -> dict[str, Any]:
    """A customer as ``GET /v1/customers/{id}`` returns it (the fields evidence reads)."""
    return {
        "id": customer_id,
        "object": "customer",
        "address": address,
        "created": created,
        "description": None,
        "email": email,
        "livemode": False,
        "metadata": {},
        "name": name,
        "phone": phone,
        "shipping": None,
    }


def card_details(
    *,
    brand: str = "visa",
    last4: str = "4242",
    address_line1_check: str | None = None,
    address_postal_code_check: str | None = None,
    cvc_check: str | None = None,
    three_d_secure: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``charge.payment_method_details.card`` with the fields the evidence reads (a subset of
    Stripe's; checks are ``pass`` | ``fail`` | ``unavailable`` | ``unchecked`` or null)."""
    return {
        "brand": brand,
        "checks": {
            "address_line1_check": address_line1_check,
            "address_postal_code_check": address_postal_code_check,
            "cvc_check": cvc_check,
        },
        "country": "US",
        "exp_month": 12,
        "exp_year": 2030,
        "funding": "credit",
        "last4": last4,
        "network": brand,
        "three_d_secure": three_d_secure,
    }


def dispute_object(
    dispute_id: str,
    *,
    amount: int,
    currency: str,
    reason: str,
    status: str,
    due_by: int,
    charge: str,
    payment_intent: str | None,
    created: int,
    network_reason_code: str | None,
    balance_transactions: list[dict[str, Any]],
    enhanced_eligibility_types: list[str] | None = None,
) -> dict[str, Any]:
    inquiry = status.startswith("warning_")
    return {
        "id": dispute_id,
        "object": "dispute",
        "amount": amount,
        "currency": currency,
        "balance_transactions": balance_transactions,
        "charge": charge,
        "created": created,
        "enhanced_eligibility_types": list(enhanced_eligibility_types or []),
        "evidence": copy.deepcopy(rules.EMPTY_EVIDENCE),
        "evidence_details": {
            "due_by": due_by,
            "enhanced_eligibility": {},
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
            "submission_method": "not_submitted",
        },
        "intended_submission_method": None,
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "network_reason_code": network_reason_code,
        "payment_intent": payment_intent,
        "payment_method_details": {
            "card": {
                "brand": "visa",
                "case_type": "inquiry" if inquiry else "chargeback",
                "network": "visa",
                "network_reason_code": network_reason_code,
            },
            "type": "card",
        },
        "reason": reason,
        "status": status,
    }


def balance_transaction_object(
    txn_id: str, *, source: str, amount: int, currency: str, fee: int, created: int
) -> dict[str, Any]:
    """A dispute's withdrawal (negative) or reinstatement (positive) of funds."""
    return {
        "id": txn_id,
        "object": "balance_transaction",
        "amount": amount,
        "currency": currency,
        "fee": fee,
        "net": amount - fee,
        "reporting_category": "dispute" if amount < 0 else "dispute_reversal",
        "type": "adjustment",
        "source": source,
        "created": created,
    }


def event_object(
    event_id: str,
    event_type: str,
    *,
    account: str | None,
    obj: dict[str, Any],
    previous: dict[str, Any] | None,
    created: int,
) -> dict[str, Any]:
    """An event carrying a copy of ``obj``; ``account`` is set for connected accounts only."""
    data: dict[str, Any] = {"object": copy.deepcopy(obj)}
    if previous is not None:
        data["previous_attributes"] = previous
    event: dict[str, Any] = {
        "id": event_id,
        "object": "event",
        "api_version": API_VERSION,
        "created": created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
    if account is not None:
        event["account"] = account
    return event
