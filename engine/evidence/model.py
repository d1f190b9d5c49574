"""Neutral evidence: typed fields, items, the packet, and provider-declared rules.

Text and files are different types bound to different field enums, so text can never land in a
file-only field: mypy refuses it, and so does the constructor at run time.
"""

from __future__ import annotations

import enum
from pathlib import PurePosixPath

import msgspec

from engine.evidence.visa_ce3.model import Ce3Evidence


class TextField(enum.StrEnum):
    """Neutral fields that take text (names follow the richest processor's vocabulary)."""

    ACCESS_ACTIVITY_LOG = "access_activity_log"
    BILLING_ADDRESS = "billing_address"
    CANCELLATION_POLICY_DISCLOSURE = "cancellation_policy_disclosure"
    CANCELLATION_REBUTTAL = "cancellation_rebuttal"
    CUSTOMER_EMAIL_ADDRESS = "customer_email_address"
    CUSTOMER_NAME = "customer_name"
    CUSTOMER_PURCHASE_IP = "customer_purchase_ip"
    DUPLICATE_CHARGE_EXPLANATION = "duplicate_charge_explanation"
    DUPLICATE_CHARGE_ID = "duplicate_charge_id"
    PRODUCT_DESCRIPTION = "product_description"
    REFUND_POLICY_DISCLOSURE = "refund_policy_disclosure"
    REFUND_REFUSAL_EXPLANATION = "refund_refusal_explanation"
    SERVICE_DATE = "service_date"
    SHIPPING_ADDRESS = "shipping_address"
    SHIPPING_CARRIER = "shipping_carrier"
    SHIPPING_DATE = "shipping_date"
    SHIPPING_TRACKING_NUMBER = "shipping_tracking_number"
    UNCATEGORIZED_TEXT = "uncategorized_text"


class FileField(enum.StrEnum):
    """Neutral fields that take a document (PDF, JPEG or PNG), never text."""

    CANCELLATION_POLICY = "cancellation_policy"
    CUSTOMER_COMMUNICATION = "customer_communication"
    CUSTOMER_SIGNATURE = "customer_signature"
    DUPLICATE_CHARGE_DOCUMENTATION = "duplicate_charge_documentation"
    RECEIPT = "receipt"
    REFUND_POLICY = "refund_policy"
    SERVICE_DOCUMENTATION = "service_documentation"
    SHIPPING_DOCUMENTATION = "shipping_documentation"
    UNCATEGORIZED_FILE = "uncategorized_file"


ALLOWED_MIME_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


class EvidenceError(ValueError):
    """Evidence that breaks a rule; the message says which field and which rule."""


class EvidenceText(msgspec.Struct, frozen=True):
    field: TextField
    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.field, TextField):
            raise EvidenceError(f"{self.field!r} is not a text evidence field")
        if not isinstance(self.text, str):
            raise EvidenceError(f"evidence text for {self.field} must be a string")


class EvidenceFile(msgspec.Struct, frozen=True):
    """A document on local disk (the pipeline's working copy) for a file field."""

    field: FileField
    path: str
    mime: str

    def __post_init__(self) -> None:
        if not isinstance(self.field, FileField):
            raise EvidenceError(f"{self.field!r} is not a file evidence field")
        if self.mime not in ALLOWED_MIME_TYPES:
            raise EvidenceError(f"{self.field}: {self.mime} is not PDF, JPEG or PNG")

    @property
    def name(self) -> str:
        return PurePosixPath(self.path).name


class EvidencePacket(msgspec.Struct, frozen=True):
    texts: tuple[EvidenceText, ...] = ()
    files: tuple[EvidenceFile, ...] = ()
    visa_ce3: Ce3Evidence | None = None
    """Visa Compelling Evidence 3.0: set only when the dispute qualifies by Visa's rules."""

    def text(self, field: TextField) -> str | None:
        return next((item.text for item in self.texts if item.field is field), None)

    def file(self, field: FileField) -> EvidenceFile | None:
        return next((item for item in self.files if item.field is field), None)


class EvidenceRules(msgspec.Struct, frozen=True, kw_only=True):
    """What a provider accepts. ``None`` means the provider sets no limit of that kind."""

    text_fields: frozenset[TextField]
    file_fields: frozenset[FileField]
    long_text_limit: int | None = None
    long_text_fields: frozenset[TextField] = frozenset()
    short_text_limit: int | None = None
    total_text_limit: int | None = None
    file_size_limit: int | None = None
    total_file_size_limit: int | None = None
    takes_visa_ce3: bool = False
    """The provider sends a Visa Compelling Evidence 3.0 block (``EvidencePacket.visa_ce3``)."""


class Violation(msgspec.Struct, frozen=True):
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


def validate_packet(
    packet: EvidencePacket, rules: EvidenceRules, file_sizes: dict[str, int]
) -> list[Violation]:
    """Every way ``packet`` breaks ``rules``; empty when it may be sent.

    ``file_sizes`` maps each file's path to its size in bytes (the caller has the files).
    """
    violations: list[Violation] = []
    seen: set[str] = set()
    total_chars = 0
    for item in packet.texts:
        if item.field in seen:
            violations.append(Violation(item.field, "given more than once"))
        seen.add(item.field)
        if item.field not in rules.text_fields:
            violations.append(Violation(item.field, "not accepted by this provider"))
        limit = (
            rules.long_text_limit
            if item.field in rules.long_text_fields
            else rules.short_text_limit
        )
        if limit is not None and len(item.text) > limit:
            violations.append(
                Violation(item.field, f"{len(item.text)} characters, the limit is {limit}")
            )
        total_chars += len(item.text)
    if rules.total_text_limit is not None and total_chars > rules.total_text_limit:
        violations.append(
            Violation(
                "evidence",
                f"{total_chars} characters in all text fields, the limit is "
                f"{rules.total_text_limit}",
            )
        )
    total_bytes = 0
    for document in packet.files:
        if document.field in seen:
            violations.append(Violation(document.field, "given more than once"))
        seen.add(document.field)
        if document.field not in rules.file_fields:
            violations.append(Violation(document.field, "not accepted by this provider"))
        size = file_sizes[document.path]
        if rules.file_size_limit is not None and size > rules.file_size_limit:
            violations.append(
                Violation(document.field, f"{size} bytes, the limit is {rules.file_size_limit}")
            )
        total_bytes += size
    if rules.total_file_size_limit is not None and total_bytes > rules.total_file_size_limit:
        violations.append(
            Violation(
                "evidence",
                f"{total_bytes} bytes in all files, the limit is {rules.total_file_size_limit}",
            )
        )
    return violations
