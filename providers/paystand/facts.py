"""Paystand's own facts for a dispute's evidence: who paid, what was paid, with what.

Read from the dispute object the engine already holds (the API's last word on it, with the
payment nested inside), so building evidence costs Paystand no extra call.
"""

from __future__ import annotations

from typing import Any

from engine.disputes.money import MoneyError, money_from_decimal_text
from engine.evidence.model import EvidenceText, TextField
from engine.plugins.sources import Contribution, EvidenceContext, EvidenceSource
from engine.settings import Settings
from providers.paystand.consts import PROVIDER_ID


class PaystandFacts(EvidenceSource):
    """Contributes nothing for other providers' disputes."""

    name = "paystand_facts"
    timeout_seconds = 5.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PaystandFacts:
        return cls()

    def contribute(self, context: EvidenceContext) -> Contribution:
        dispute = context.dispute
        if dispute.provider != PROVIDER_ID:
            return Contribution()
        raw = dispute.raw_dispute or {}
        payment = _mapping(raw.get("resource"))
        payer = _mapping(payment.get("payer"))
        source = _mapping(payment.get("source"))
        facts: dict[str, str] = {
            "amount_disputed": f"{dispute.money.amount} {dispute.money.currency}",
            "dispute_reason": dispute.provider_reason or dispute.reason,
        }
        paid = _paid(payment, dispute.money.currency)
        if paid is not None:
            facts["total_amount_paid"] = paid
        optional = {
            "payment_id": dispute.payment_id,
            "payment_date": _text(payment.get("created")),
            "payment_status": _text(payment.get("status")),
            "payment_method": _method(payment, source),
            "payer_reference": _text(payer.get("externalId")),
            "dispute_opened": dispute.created_at.date().isoformat() if dispute.created_at else None,
        }
        facts.update({key: value for key, value in optional.items() if value})
        texts = []
        if dispute.customer_name:
            texts.append(EvidenceText(TextField.CUSTOMER_NAME, dispute.customer_name))
        if dispute.customer_email:
            texts.append(EvidenceText(TextField.CUSTOMER_EMAIL_ADDRESS, dispute.customer_email))
        return Contribution(texts=tuple(texts), facts=facts)


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _paid(payment: dict[str, Any], currency: str) -> str | None:
    """The payment's own amount, exactly as Paystand wrote it (kept as decimal text)."""
    amount = payment.get("amount")
    try:
        money = money_from_decimal_text(str(amount), str(payment.get("currency") or currency))
    except MoneyError:
        return None
    return f"{money.amount} {money.currency}" if amount is not None else None


def _method(payment: dict[str, Any], source: dict[str, Any]) -> str | None:
    kind = _text(payment.get("sourceType"))
    brand, last4 = _text(source.get("brand")), _text(source.get("last4"))
    if brand and last4:
        return f"{brand} •••• {last4}" + (f" ({kind})" if kind else "")
    return kind
