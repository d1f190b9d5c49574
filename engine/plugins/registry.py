"""The typed ``register`` objects handed to registration hooks, and what they collect.

One generic :class:`Register` keeps the names unique and well-formed; the registration hooks
differ only in what they accept (a subclass of a base, or a storage factory) and in where the
name comes from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from engine.errors import DisputeEngineError
from engine.notifications.notifier import Notifier
from engine.plugins.provider import DisputeProvider
from engine.plugins.sources import EvidenceSource
from engine.storage import StorageFactory

T = TypeVar("T")
Plugin = TypeVar("Plugin")


class PluginConflict(DisputeEngineError):
    """Two plugins registered the same name."""


class Register(Generic[T]):
    """What one registration hook's plugins registered, by name."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def add(self, name: str, item: T) -> None:
        if not name or not name.replace("_", "").isalnum() or not name.islower():
            raise PluginConflict(f"{self.kind} name {name!r} must be lower-case letters/digits/_")
        if name in self._items:
            raise PluginConflict(f"two plugins register the {self.kind} {name!r}")
        self._items[name] = item

    @property
    def registered(self) -> dict[str, T]:
        return dict(self._items)


class ClassRegister(Register[type[Plugin]]):
    """``register(MyClass)``: a subclass of ``base``, named by ``name_of(MyClass)``."""

    def __init__(
        self, kind: str, hook: str, base: type, name_of: Callable[[type[Plugin]], str]
    ) -> None:
        super().__init__(kind)
        self._hook, self._base, self._name_of = hook, base, name_of

    def __call__(self, plugin: type[Plugin]) -> None:
        if not (isinstance(plugin, type) and issubclass(plugin, self._base)):
            raise TypeError(f"{self._hook} expects a {self._base.__name__} subclass: {plugin!r}")
        self.add(self._name_of(plugin), plugin)


ProviderRegister = ClassRegister[DisputeProvider]
EvidenceSourceRegister = ClassRegister[EvidenceSource]
NotifierRegister = ClassRegister[Notifier]


def provider_register() -> ProviderRegister:
    return ClassRegister("provider", "register_providers", DisputeProvider, lambda p: p.id)


def evidence_source_register() -> EvidenceSourceRegister:
    return ClassRegister(
        "evidence source", "register_evidence_sources", EvidenceSource, lambda s: s.name
    )


def notifier_register() -> NotifierRegister:
    return ClassRegister("notifier", "register_notifiers", Notifier, lambda n: n.name)


class StorageRegister(Register[StorageFactory]):
    """``register("s3", factory)``: a storage backend for one ``DISPUTES_STORAGE_URL`` scheme."""

    def __init__(self) -> None:
        super().__init__("storage scheme")

    def __call__(self, scheme: str, factory: StorageFactory) -> None:
        if not callable(factory):
            raise TypeError(f"register_storage expects a factory for {scheme!r}")
        self.add(scheme, factory)
