"""Stripe's evidence rules, as the emulator enforces them on ``POST /v1/disputes/{id}``."""

from __future__ import annotations

from typing import Any

from emulators.stripe import rules
from emulators.stripe.errors import invalid, missing
from emulators.stripe.files import StoredFile


def check_can_update(dispute: dict[str, Any], now: int) -> None:
    """Refuse evidence for a dispute that is not waiting for it, or past its deadline."""
    status = dispute["status"]
    details = dispute["evidence_details"]
    if status not in rules.RESPONDABLE:
        if details["submission_count"] > 0:
            raise invalid(
                "This dispute has already been submitted and can no longer be updated.",
                code="dispute_already_submitted",
            )
        raise invalid(
            f"This dispute is {status} and does not accept evidence.",
            code="dispute_not_respondable",
        )
    due_by = details.get("due_by")
    if not due_by or due_by < now:
        details["past_due"] = bool(due_by)
        raise invalid(
            "The deadline for responding to this dispute has passed.",
            code="dispute_past_due",
        )


def checked_evidence(
    files: dict[str, StoredFile], account: str, evidence: dict[str, Any]
) -> dict[str, Any]:
    """The evidence hash, each key and value checked; file fields hold file ids."""
    checked: dict[str, Any] = {}
    for key, value in evidence.items():
        param = f"evidence[{key}]"
        if key in rules.NESTED_FIELDS:
            continue  # checked by the state, which knows the dispute and the account's charges
        if key in rules.TEXT_FIELDS:
            if not isinstance(value, str):
                raise invalid("Invalid string", param=param)
            if len(value) > (limit := rules.text_limit(key)):
                raise invalid(
                    f"Invalid string: {key} has {len(value)} characters; the maximum is {limit}.",
                    code="string_length_exceeds_maximum",
                    param=param,
                )
            checked[key] = value or None
        elif key in rules.FILE_FIELDS:
            checked[key] = _checked_file(files, account, param, value)
        else:
            raise invalid(
                f"Received unknown parameter: {param}", code="parameter_unknown", param=param
            )
    return checked


def _checked_file(files: dict[str, StoredFile], account: str, param: str, value: Any) -> str | None:
    if value == "":
        return None
    stored = files.get(value) if isinstance(value, str) else None
    if stored is None or stored.account != account:
        raise missing("file", str(value), param)
    if stored.purpose != "dispute_evidence":
        raise invalid(
            f"The file {stored.id} was uploaded with purpose {stored.purpose}, "
            "not dispute_evidence.",
            code="file_invalid_purpose",
            param=param,
        )
    return stored.id


def check_totals(files: dict[str, StoredFile], evidence: dict[str, Any]) -> None:
    """The limits across all fields: total characters, total bytes, total pages."""
    chars = sum(len(evidence[key] or "") for key in rules.TEXT_FIELDS if evidence.get(key))
    if chars > rules.TOTAL_TEXT_LIMIT:
        raise invalid(
            f"The evidence has {chars} characters in total; the maximum is "
            f"{rules.TOTAL_TEXT_LIMIT}.",
            code="evidence_text_too_long",
            param="evidence",
        )
    chosen = [files[evidence[key]] for key in rules.FILE_FIELDS if evidence.get(key)]
    size = sum(stored.size for stored in chosen)
    if size > rules.DISPUTE_FILES_LIMIT:
        raise invalid(
            f"The evidence files total {size} bytes; the maximum is {rules.DISPUTE_FILES_LIMIT}.",
            code="dispute_evidence_too_large",
            param="evidence",
        )
    pages = sum(rules.page_count(stored.data, stored.type) for stored in chosen)
    if pages >= rules.PAGE_LIMIT:
        raise invalid(
            f"The evidence has {pages} pages; it must have fewer than {rules.PAGE_LIMIT}.",
            code="dispute_evidence_page_limit_exceeded",
            param="evidence",
        )
