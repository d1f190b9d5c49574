"""An archived evidence document, as recorded on its version.

The document itself lives in storage under an unguessable ``name``
(:func:`engine.storage.names.object_name`); the version keeps this record of it, so a later
submission can read it back and prove (``sha256``) it is still what a person reviewed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec


class ArchivedFile(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    """What the document is: ``receipt``, ``service_documentation`` (a neutral file field)."""
    name: str
    """Its object name in storage."""
    filename: str
    """What a person downloading it sees."""
    sha256: str
    bytes: int
    mime: str
    pages: int | None = None
    in_packet: bool = True
    """False when the processor takes no file in this field: archived and shown, not sent."""
    url: str | None = None
    """Where storage said it put it (``file://…``, ``s3://…``); links are made from ``name``."""

    def as_record(self) -> dict[str, Any]:
        record: dict[str, Any] = msgspec.to_builtins(self)
        return record


def decode_archived(records: Iterable[Mapping[str, Any]]) -> tuple[ArchivedFile, ...]:
    """The files of a stored version (a JSON list of records) as structs."""
    return tuple(msgspec.convert(dict(record), ArchivedFile) for record in records)
