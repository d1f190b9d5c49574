"""The typed ``register`` objects handed to registration hooks, and what they collect."""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.errors import DisputeEngineError
from engine.notify import Notifier
from engine.provider import DisputeProvider
from engine.sources import EvidenceSource
from engine.storage import StorageFactory


class PluginConflict(DisputeEngineError):
    """Two plugins registered the same name."""


@dataclass
class _Collector:
    kind: str
    items: dict[str, object] = field(default_factory=dict)

    def add(self, name: str, item: object) -> None:
        if not name or not name.replace("_", "").isalnum() or not name.islower():
            raise PluginConflict(f"{self.kind} name {name!r} must be lower-case letters/digits/_")
        if name in self.items:
            raise PluginConflict(f"two plugins register the {self.kind} {name!r}")
        self.items[name] = item


class ProviderRegister:
    def __init__(self) -> None:
        self._collector = _Collector("provider")

    def __call__(self, provider: type[DisputeProvider]) -> None:
        if not (isinstance(provider, type) and issubclass(provider, DisputeProvider)):
            raise TypeError(f"register_providers expects a DisputeProvider subclass: {provider!r}")
        self._collector.add(provider.id, provider)

    @property
    def registered(self) -> dict[str, type[DisputeProvider]]:
        return dict(self._collector.items)  # type: ignore[arg-type]


class EvidenceSourceRegister:
    def __init__(self) -> None:
        self._collector = _Collector("evidence source")

    def __call__(self, source: type[EvidenceSource]) -> None:
        if not (isinstance(source, type) and issubclass(source, EvidenceSource)):
            raise TypeError(f"register_evidence_sources expects an EvidenceSource: {source!r}")
        self._collector.add(source.name, source)

    @property
    def registered(self) -> dict[str, type[EvidenceSource]]:
        return dict(self._collector.items)  # type: ignore[arg-type]


class NotifierRegister:
    def __init__(self) -> None:
        self._collector = _Collector("notifier")

    def __call__(self, notifier: type[Notifier]) -> None:
        if not (isinstance(notifier, type) and issubclass(notifier, Notifier)):
            raise TypeError(f"register_notifiers expects a Notifier subclass: {notifier!r}")
        self._collector.add(notifier.name, notifier)

    @property
    def registered(self) -> dict[str, type[Notifier]]:
        return dict(self._collector.items)  # type: ignore[arg-type]


class StorageRegister:
    def __init__(self) -> None:
        self._collector = _Collector("storage scheme")

    def __call__(self, scheme: str, factory: StorageFactory) -> None:
        if not callable(factory):
            raise TypeError(f"register_storage expects a factory for {scheme!r}")
        self._collector.add(scheme, factory)

    @property
    def registered(self) -> dict[str, StorageFactory]:
        return dict(self._collector.items)  # type: ignore[arg-type]
