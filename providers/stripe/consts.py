"""Stripe's vocabulary in one place: statuses, reasons, currencies and evidence limits.

Facts from ``domain/stripe.md`` (stripe-python 16.1, API ``2026-10-28.endive``). Stripe types
``status`` and ``reason`` as "known values or any string": anything not listed here is kept raw
and read as ``open`` / ``general``.
"""

from __future__ import annotations

from engine.disputes.model import Funds, Reason, Stage, Status
from engine.evidence.model import EvidenceRules, FileField, TextField

PROVIDER_ID = "stripe"

DISPUTE_EVENT_TYPES = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }
)
EARLY_FRAUD_WARNING_EVENT_TYPES = frozenset(
    {"radar.early_fraud_warning.created", "radar.early_fraud_warning.updated"}
)
FUNDS_BY_EVENT_TYPE: dict[str, Funds] = {
    "charge.dispute.funds_withdrawn": Funds.DEBITED,
    "charge.dispute.funds_reinstated": Funds.REINSTATED,
}
FUNDS_EVENT_TYPES = frozenset(FUNDS_BY_EVENT_TYPE)

STATUS_MAP: dict[str, tuple[Stage | None, Status]] = {
    "warning_needs_response": (Stage.INQUIRY, Status.NEEDS_RESPONSE),
    "warning_under_review": (Stage.INQUIRY, Status.UNDER_REVIEW),
    "warning_closed": (Stage.INQUIRY, Status.CLOSED),
    "needs_response": (Stage.CHARGEBACK, Status.NEEDS_RESPONSE),
    "under_review": (Stage.CHARGEBACK, Status.UNDER_REVIEW),
    # Since 2026-10 a lost chargeback can be appealed; only ``evidence.appeal`` may be sent.
    "appeal_needs_response": (Stage.APPEAL, Status.NEEDS_RESPONSE),
    "appeal_under_review": (Stage.APPEAL, Status.UNDER_REVIEW),
    # won/lost close whichever stage was running (chargeback or appeal): the lifecycle decides.
    "won": (None, Status.WON),
    "lost": (None, Status.LOST),
    "prevented": (Stage.PREVENTION, Status.PREVENTED),
    # Very old API versions closed a refunded dispute this way.
    "charge_refunded": (Stage.CHARGEBACK, Status.CLOSED),
}
UNKNOWN_STATUS: tuple[Stage | None, Status] = (None, Status.OPEN)

RESPONDABLE_STATUSES = frozenset({"needs_response", "warning_needs_response"})
"""Where ``evidence`` may be sent. ``appeal_needs_response`` takes ``evidence.appeal`` only,
which this engine does not build: an appeal is handed to a person."""

REASON_MAP: dict[str, Reason] = {
    "fraudulent": Reason.FRAUDULENT,
    "duplicate": Reason.DUPLICATE,
    "product_not_received": Reason.PRODUCT_NOT_RECEIVED,
    "product_unacceptable": Reason.PRODUCT_UNACCEPTABLE,
    "subscription_canceled": Reason.SUBSCRIPTION_CANCELED,
    "credit_not_processed": Reason.CREDIT_NOT_PROCESSED,
    "unrecognized": Reason.UNRECOGNIZED,
    "general": Reason.GENERAL,
    # An ACH debit the account holder says they never allowed is an unauthorised-payment claim.
    "debit_not_authorized": Reason.FRAUDULENT,
    # Bank-side and account problems have no specific evidence: answered as general disputes.
    "bank_cannot_process": Reason.GENERAL,
    "check_returned": Reason.GENERAL,
    "customer_initiated": Reason.GENERAL,
    "incorrect_account_details": Reason.GENERAL,
    "insufficient_funds": Reason.GENERAL,
    "noncompliant": Reason.GENERAL,
}

ZERO_DECIMAL_CURRENCIES = frozenset(
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA",
        "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    }
)  # fmt: skip
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def currency_exponent(currency: str) -> int:
    """Decimals in Stripe's minor units for ``currency`` (any case). ISK, HUF and TWD are
    sent as two-decimal amounts by Stripe's API even where the currency has no cents."""
    code = currency.upper()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


LONG_TEXT_FIELDS = frozenset(
    {
        TextField.ACCESS_ACTIVITY_LOG,
        TextField.CANCELLATION_POLICY_DISCLOSURE,
        TextField.CANCELLATION_REBUTTAL,
        TextField.DUPLICATE_CHARGE_EXPLANATION,
        TextField.PRODUCT_DESCRIPTION,
        TextField.REFUND_POLICY_DISCLOSURE,
        TextField.REFUND_REFUSAL_EXPLANATION,
        TextField.UNCATEGORIZED_TEXT,
    }
)
LONG_TEXT_LIMIT = 20_000
SHORT_TEXT_LIMIT = 5_000
"""Every other text field (``billing_address``, ``customer_name``, ``shipping_*``, …): Stripe's
OpenAPI spec gives them ``maxLength: 5000``."""
TOTAL_TEXT_LIMIT = 150_000
FILE_SIZE_LIMIT = 5 * 1024 * 1024
DISPUTE_FILES_LIMIT = 4_500_000
"""All files of one dispute: the quoted figure is "about 4.5 MB" (3rd-party), so the engine
keeps below 4.5 million bytes rather than 4.5 MiB."""

EVIDENCE_RULES = EvidenceRules(
    text_fields=frozenset(TextField),
    file_fields=frozenset(FileField),
    long_text_limit=LONG_TEXT_LIMIT,
    long_text_fields=LONG_TEXT_FIELDS,
    short_text_limit=SHORT_TEXT_LIMIT,
    total_text_limit=TOTAL_TEXT_LIMIT,
    file_size_limit=FILE_SIZE_LIMIT,
    total_file_size_limit=DISPUTE_FILES_LIMIT,
    takes_visa_ce3=True,
)
"""Every neutral field is one of Stripe's, under the same name (checked against
stripe-python's ``DisputeUpdateParamsEvidence`` by the tests)."""

FILE_PURPOSE = "dispute_evidence"
PAGE_SIZE = 100
