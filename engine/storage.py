"""Storage for evidence files: local disk by default, S3-compatible through a plugin."""

from __future__ import annotations

import abc
from collections.abc import Callable

from engine.settings import Settings


class EvidenceStorage(abc.ABC):
    """Where evidence files are archived. Names are chosen by the engine (unguessable)."""

    @abc.abstractmethod
    def put(self, name: str, data: bytes, mime: str) -> str:
        """Store ``data`` under ``name`` and return the internal URL recorded in the evidence."""

    @abc.abstractmethod
    def get(self, name: str) -> bytes:
        """Read a stored file back. Raises ``FileNotFoundError`` when absent."""

    @abc.abstractmethod
    def link(self, name: str, expires_in: int) -> str | None:
        """A link a person can open for ``expires_in`` seconds; ``None`` when the storage has
        no links of its own and the web app must serve the file through a signed route."""


StorageFactory = Callable[[Settings], EvidenceStorage]
