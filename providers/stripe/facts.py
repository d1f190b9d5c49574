"""``stripe_facts``: what Stripe itself knows about the customer, for the evidence packet.

Customer name, email and billing address come from the disputed charge's billing details (the
customer object fills what the charge lacks), the purchase IP from its Radar review, and
``total_amount_paid`` from the customer's charges in Stripe (succeeded charges minus refunds) —
not the merchant's local figure, which may be stale.
For Visa Compelling Evidence 3.0 it reads the dispute's eligibility and hands the engine the
customer's charges in Visa's window as per-payment facts.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any, ClassVar

import msgspec

from engine.disputes.money import format_amount
from engine.errors import DisputeUnknown, NotConfigured
from engine.evidence.model import EvidenceText, TextField
from engine.evidence.packet import facts as known
from engine.evidence.visa_ce3.model import PaymentRecord
from engine.evidence.visa_ce3.rules import in_window
from engine.plugins.sources import Contribution, EvidenceContext, EvidenceSource
from engine.settings import Settings
from providers.stripe import visa_ce3
from providers.stripe.consts import PROVIDER_ID
from providers.stripe.mapping import minor_to_money
from providers.stripe.provider import api_from_settings, stripe_settings
from providers.stripe.stripe_api import StripeApi

log = logging.getLogger("disputes.stripe.facts")


class StripeFacts(EvidenceSource):
    name: ClassVar[str] = "stripe_facts"
    provider: ClassVar[str | None] = PROVIDER_ID

    def __init__(self, api: StripeApi) -> None:
        self.api = api

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeFacts | None:
        try:
            return cls(api_from_settings(stripe_settings(settings)))
        except NotConfigured:
            return None

    def contribute(self, context: EvidenceContext) -> Contribution:
        dispute = context.dispute
        if dispute.provider != PROVIDER_ID or not dispute.payment_id:
            return Contribution()
        charge = self.api.retrieve_charge(dispute.payment_id, dispute.account)
        facts: dict[str, str] = {}
        texts: list[EvidenceText] = []
        billing = charge.get("billing_details") or {}
        customer = charge.get("customer")
        profile = self._customer(charge, dispute.account)
        name = billing.get("name") or profile.get("name") or dispute.customer_name
        email = (
            billing.get("email")
            or charge.get("receipt_email")
            or profile.get("email")
            or dispute.customer_email
        )
        address = _address_text(billing.get("address")) or _address_text(profile.get("address"))
        ip_address = self._purchase_ip(charge, dispute.account)
        for field, value, fact in (
            (TextField.CUSTOMER_NAME, name, known.CUSTOMER_NAME),
            (TextField.CUSTOMER_EMAIL_ADDRESS, email, known.CUSTOMER_EMAIL),
            (TextField.BILLING_ADDRESS, address, known.BILLING_ADDRESS),
            (TextField.CUSTOMER_PURCHASE_IP, ip_address, known.CUSTOMER_PURCHASE_IP),
        ):
            if value:
                texts.append(EvidenceText(field, str(value)))
                facts[fact] = str(value)
        facts.update(_charge_facts(charge))
        charges = (
            list(self.api.iter_customer_charges(str(customer), dispute.account))
            if customer
            else [charge]
        )
        facts.update(_amount_paid(charges))
        if customer:
            facts[known.CUSTOMER_ID] = str(customer)
        offer = visa_ce3.eligibility(self.api.retrieve_dispute(dispute.dispute_id, dispute.account))
        payments = (
            self._payments(charge, ip_address, charges, dispute.account) if offer.offered else ()
        )
        return Contribution(texts=tuple(texts), facts=facts, payments=payments, visa_ce3=offer)

    def _customer(self, charge: dict[str, Any], account: str | None) -> dict[str, Any]:
        """The customer object, read only when the charge lacks a name, email or address: it
        holds what the customer gave at sign-up (a deleted customer holds nothing)."""
        customer = charge.get("customer")
        billing = charge.get("billing_details") or {}
        complete = billing.get("name") and billing.get("email") and billing.get("address")
        if not customer or complete:
            return {}
        try:
            found = self.api.retrieve_customer(str(customer), account)
        except DisputeUnknown:  # the API's "resource_missing": the customer is gone
            return {}
        return {} if found.get("deleted") else found

    def _payments(
        self,
        disputed: dict[str, Any],
        disputed_ip: str | None,
        charges: list[dict[str, Any]],
        account: str | None,
    ) -> tuple[PaymentRecord, ...]:
        """The disputed charge and the customer's other charges; purchase IPs (one Radar review
        each) are read only for those that could be priors: paid, undisputed, in Visa's window."""
        records = [visa_ce3.payment_record(disputed, disputed_ip)]
        disputed_at = records[0].created_at
        for charge in charges:
            if charge.get("id") == disputed.get("id"):
                continue
            candidate = visa_ce3.payment_record(charge, None)
            if (
                candidate.undisputed
                and candidate.created_at
                and disputed_at
                and in_window(disputed_at, candidate.created_at)
            ):
                ip_address = self._purchase_ip(charge, account)
                candidate = msgspec.structs.replace(candidate, customer_purchase_ip=ip_address)
            records.append(candidate)
        return tuple(records)

    def _purchase_ip(self, charge: dict[str, Any], account: str | None) -> str | None:
        review = charge.get("review")
        if not review:
            return None
        review_id = review if isinstance(review, str) else review.get("id")
        details = self.api.retrieve_review(str(review_id), account)
        ip_address = details.get("ip_address")
        return str(ip_address) if ip_address else None


def _amount_paid(charges: list[dict[str, Any]]) -> dict[str, str]:
    """``total_amount_paid`` per currency: succeeded charges minus what was refunded."""
    totals: dict[str, int] = defaultdict(int)
    counts: dict[str, int] = defaultdict(int)
    for charge in charges:
        if charge.get("status") != "succeeded":
            continue
        currency = str(charge["currency"])
        totals[currency] += int(charge["amount"]) - int(charge.get("amount_refunded") or 0)
        counts[currency] += 1
    if not totals:
        return {}
    rendered = [_money_text(totals[currency], currency) for currency in sorted(totals)]
    return {
        known.TOTAL_AMOUNT_PAID: ", ".join(rendered),
        "successful_payments": str(sum(counts.values())),
    }


def _charge_facts(charge: dict[str, Any]) -> dict[str, str]:
    """The disputed payment itself: reference, amount, time, card."""
    facts = {known.PAYMENT_ID: str(charge["id"])}
    if isinstance(charge.get("amount"), int) and charge.get("currency"):
        facts[known.AMOUNT_CHARGED] = _money_text(charge["amount"], str(charge["currency"]))
    if isinstance(charge.get("created"), int):
        moment = datetime.fromtimestamp(charge["created"], tz=UTC)
        facts[known.PURCHASED_AT] = moment.strftime("%Y-%m-%d %H:%M UTC")
    details = charge.get("payment_method_details") or {}
    card = details.get("card") if isinstance(details, dict) else None
    if isinstance(card, dict) and card.get("brand") and card.get("last4"):
        facts[known.PAYMENT_METHOD] = f"{str(card['brand']).title()} •••• {card['last4']}"
    if isinstance(card, dict):
        facts.update(_card_verification(card))
    return facts


_CHECKS = (
    ("address_line1_check", "address line 1"),
    ("address_postal_code_check", "postal code"),
    ("cvc_check", "CVC"),
)


def _card_verification(card: dict[str, Any]) -> dict[str, str]:
    """The issuer's checks and the 3-D Secure result, only those Stripe actually reports."""
    facts: dict[str, str] = {}
    found = card.get("checks")
    checks: dict[str, Any] = found if isinstance(found, dict) else {}
    answered = [f"{label}: {checks[key]}" for key, label in _CHECKS if checks.get(key)]
    if answered:
        facts[known.CARD_CHECKS] = "; ".join(answered)
    secure = card.get("three_d_secure")
    if isinstance(secure, dict) and secure.get("result"):
        result = str(secure["result"]).replace("_", " ")
        version = f" (version {secure['version']})" if secure.get("version") else ""
        facts[known.THREE_D_SECURE] = f"{result}{version}"
    return facts


def _money_text(units: int, currency: str) -> str:
    """``USD 64.00``: the engine's convention for facts."""
    money = minor_to_money(units, currency)
    return f"{money.currency} {format_amount(money.amount)}"


def _address_text(address: Any) -> str | None:
    if not isinstance(address, dict):
        return None
    parts = [
        address.get("line1"),
        address.get("line2"),
        " ".join(p for p in (address.get("postal_code"), address.get("city")) if p),
        address.get("state"),
        address.get("country"),
    ]
    text = ", ".join(str(p) for p in parts if p)
    return text or None
