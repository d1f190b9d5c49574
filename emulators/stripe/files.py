"""Uploaded files as the emulator keeps them (bytes included, to count pages and sizes)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


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
