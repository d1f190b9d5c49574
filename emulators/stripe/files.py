"""Uploaded files as the emulator keeps them (bytes included, to count pages and sizes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from emulators.stripe import rules
from emulators.stripe.errors import invalid
from emulators.stripe.forms import Upload
from emulators.stripe.params import refuse_unknown


@dataclass
class StoredFile:
    id: str
    account: str
    purpose: str
    filename: str
    type: str
    data: bytes
    created: int

    @property
    def size(self) -> int:
        return len(self.data)

    def as_object(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "object": "file",
            "created": self.created,
            "expires_at": None,
            "filename": self.filename,
            "links": None,
            "purpose": self.purpose,
            "size": self.size,
            "title": None,
            "type": self.type,
            "url": None,
        }


@dataclass(frozen=True)
class CheckedUpload:
    purpose: str
    upload: Upload
    type: str | None
    """``pdf``, ``jpg`` or ``png`` when recognised from the bytes, else ``None``."""


def check_upload(fields: dict[str, Any], uploads: dict[str, Upload]) -> CheckedUpload:
    """``POST /v1/files`` as Stripe checks it: a known purpose, a file, size and type limits."""
    refuse_unknown({**fields, **uploads}, {"purpose", "file", "file_link_data", "expand"})
    purpose = fields.get("purpose")
    if not purpose:
        raise invalid("Missing required param: purpose.", code="parameter_missing", param="purpose")
    if purpose not in rules.FILE_PURPOSES:
        raise invalid(f"Invalid purpose: {purpose}", param="purpose")
    upload = uploads.get("file")
    if upload is None:
        raise invalid("Missing required param: file.", code="parameter_missing", param="file")
    if len(upload.data) > rules.FILE_SIZE_LIMIT:
        raise invalid(
            f"File size {len(upload.data)} exceeds the maximum of {rules.FILE_SIZE_LIMIT} "
            "bytes for dispute evidence.",
            code="file_size_too_large",
            param="file",
        )
    kind = rules.file_type(upload.data)
    if purpose == "dispute_evidence" and kind is None:
        raise invalid(
            "Dispute evidence must be a PDF, JPEG or PNG file.",
            code="file_invalid_type",
            param="file",
        )
    return CheckedUpload(purpose=str(purpose), upload=upload, type=kind)
