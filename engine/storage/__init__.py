"""Storage for evidence files: local disk by default, S3-compatible through a plugin.

The engine picks every object name (see :mod:`engine.storage.names`): an HMAC of the secret key
with the dispute, the kind of document and the version, so a name can be neither guessed nor
enumerated. Backends are registered by URL scheme through ``register_storage``; the built-ins
(``file``, ``s3``) live in :mod:`engine.storage.plugin`.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from engine.errors import NotConfigured, ProviderUnavailable
from engine.settings import Settings


class StorageUnavailable(ProviderUnavailable):
    """The storage could not answer (network, 5xx). Worth retrying, exactly like a processor
    that is down — hence a :class:`ProviderUnavailable`, so the worker backs off alike."""


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
        no links of its own and the web app must serve the file through a signed route
        (:mod:`engine.storage.signing`)."""

    def delete(self, name: str) -> None:
        """Remove a stored file (absent is fine). ``disputes doctor`` writes, reads back and
        deletes a probe; a backend without deletion leaves the probe behind."""
        raise NotImplementedError("this storage cannot delete files")


StorageFactory = Callable[[Settings], EvidenceStorage]


def open_storage(settings: Settings, factories: Mapping[str, StorageFactory]) -> EvidenceStorage:
    """The storage ``DISPUTES_STORAGE_URL`` names, built by the factory registered for its
    scheme."""
    scheme = urlsplit(settings.storage_url).scheme
    factory = factories.get(scheme)
    if factory is None:
        known = ", ".join(sorted(factories)) or "none"
        raise NotConfigured(
            f"DISPUTES_STORAGE_URL: no storage plugin handles {scheme}:// (installed: {known})"
        )
    return factory(settings)
