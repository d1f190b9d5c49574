"""Stripe's evidence vocabulary and limits, as the emulator enforces them.

Kept independent of the provider's own tables on purpose: the emulator is the yardstick the
provider is measured against, so it must not share the provider's mistakes.
"""

from __future__ import annotations

TEXT_FIELDS = frozenset(
    {
        "access_activity_log",
        "billing_address",
        "cancellation_policy_disclosure",
        "cancellation_rebuttal",
        "customer_email_address",
        "customer_name",
        "customer_purchase_ip",
        "duplicate_charge_explanation",
        "duplicate_charge_id",
        "product_description",
        "refund_policy_disclosure",
        "refund_refusal_explanation",
        "service_date",
        "shipping_address",
        "shipping_carrier",
        "shipping_date",
        "shipping_tracking_number",
        "uncategorized_text",
    }
)
LONG_TEXT_FIELDS = frozenset(
    {
        "access_activity_log",
        "cancellation_policy_disclosure",
        "cancellation_rebuttal",
        "duplicate_charge_explanation",
        "product_description",
        "refund_policy_disclosure",
        "refund_refusal_explanation",
        "uncategorized_text",
    }
)
FILE_FIELDS = frozenset(
    {
        "cancellation_policy",
        "customer_communication",
        "customer_signature",
        "duplicate_charge_documentation",
        "receipt",
        "refund_policy",
        "service_documentation",
        "shipping_documentation",
        "uncategorized_file",
    }
)
NESTED_FIELDS = frozenset({"enhanced_evidence"})

LONG_TEXT_LIMIT = 20_000
SHORT_TEXT_LIMIT = 5_000  # Stripe's OpenAPI spec: maxLength 5000 on every other text field
TOTAL_TEXT_LIMIT = 150_000
FILE_SIZE_LIMIT = 5 * 1024 * 1024
DISPUTE_FILES_LIMIT = 4_718_592  # 4.5 MiB: the figure quoted for all files of one dispute
PAGE_LIMIT = 50


def text_limit(field: str) -> int:
    """The most characters Stripe takes in one text field."""
    return LONG_TEXT_LIMIT if field in LONG_TEXT_FIELDS else SHORT_TEXT_LIMIT


FILE_PURPOSES = frozenset(
    {
        "account_requirement",
        "additional_verification",
        "business_icon",
        "business_logo",
        "customer_signature",
        "dispute_evidence",
        "identity_document",
        "issuing_regulatory_reporting",
        "pci_document",
        "tax_document_user_upload",
        "terminal_reader_splashscreen",
    }
)

RESPONDABLE = frozenset({"needs_response", "warning_needs_response"})
UNDER_REVIEW_AFTER_SUBMIT = {
    "needs_response": "under_review",
    "warning_needs_response": "warning_under_review",
}
FINAL = frozenset({"won", "lost", "warning_closed", "prevented", "charge_refunded"})

EMPTY_EVIDENCE: dict[str, object] = {
    **dict.fromkeys(sorted(TEXT_FIELDS | FILE_FIELDS)),
    "enhanced_evidence": {},
}


def file_type(data: bytes) -> str | None:
    """``pdf``, ``png`` or ``jpg`` from the magic bytes; ``None`` for anything else."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    return None


def page_count(data: bytes, kind: str) -> int:
    """Pages Stripe would count: an image is one page; a PDF's ``/Type /Page`` objects."""
    if kind != "pdf":
        return 1
    return max(1, data.count(b"/Type /Page") - data.count(b"/Type /Pages"))
