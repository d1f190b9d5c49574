"""Building the plugin manager, and the typed facade the rest of the engine calls.

Built-in plugins and third-party ones load through one function, by dotted path: the built-ins
from :data:`BUILTIN_PLUGINS`, third-party ones from the ``disputes`` entry-point group. Engine
code never calls ``pm.hook.*`` itself; it asks :class:`Plugins`.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Iterable
from functools import cached_property

import pluggy

from engine import PROJECT_NAME
from engine.errors import DisputeEngineError
from engine.notifications.notifier import Notifier
from engine.plugins import hookspecs
from engine.plugins.provider import DisputeProvider
from engine.plugins.registry import (
    StorageRegister,
    evidence_source_register,
    notifier_register,
    provider_register,
)
from engine.plugins.sources import EvidenceSource
from engine.storage import StorageFactory

BUILTIN_PLUGINS: tuple[str, ...] = (
    "engine.storage.plugin",
    "evidence_sources.plugin",
    "providers.stripe.plugin",
    "providers.paystand.plugin",
    "engine.notifications.plugin",
)
"""Dotted paths of the plugins that ship with the engine."""


class PluginError(DisputeEngineError):
    """A plugin failed to load or implements a hook that does not exist."""


def create_plugin_manager(
    builtins: Iterable[str] = BUILTIN_PLUGINS,
    *,
    entry_points: bool = True,
    extra: Iterable[str] = (),
) -> pluggy.PluginManager:
    """Load the built-ins, then every ``disputes`` entry point, then ``extra`` dotted paths.

    Fails with :class:`PluginError` naming the plugin when one cannot be imported or implements
    a hook the engine does not define (``check_pending``).
    """
    pm = pluggy.PluginManager(PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    for path in builtins:
        load_plugin(pm, path, path)
    if entry_points:
        for entry_point in importlib.metadata.entry_points(group=PROJECT_NAME):
            load_plugin(pm, entry_point.name, entry_point.value)
    for path in extra:
        load_plugin(pm, path, path)
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as error:
        raise PluginError(f"plugin {error.plugin!r}: {error}") from None
    return pm


def load_plugin(pm: pluggy.PluginManager, name: str, dotted_path: str) -> None:
    """Import ``module`` or ``module:attribute`` and register it under ``name``."""
    if pm.has_plugin(name) or pm.is_blocked(name):
        return
    module_name, _, attribute = dotted_path.partition(":")
    try:
        plugin: object = importlib.import_module(module_name)
        for part in filter(None, attribute.split(".")):
            plugin = getattr(plugin, part)
    except (ImportError, AttributeError) as error:
        raise PluginError(f"plugin {name!r} ({dotted_path}) cannot be loaded: {error}") from None
    try:
        pm.register(plugin, name=name)
    except (ValueError, pluggy.PluginValidationError) as error:
        raise PluginError(f"plugin {name!r} ({dotted_path}): {error}") from None


class Plugins:
    """The engine's only view of the plugin manager: what each registration hook collected."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self._pm = pm

    @classmethod
    def load(cls, *, extra: Iterable[str] = ()) -> Plugins:
        return cls(create_plugin_manager(extra=extra))

    @property
    def manager(self) -> pluggy.PluginManager:
        return self._pm

    @cached_property
    def providers(self) -> dict[str, type[DisputeProvider]]:
        register = provider_register()
        self._pm.hook.register_providers(register=register)
        return register.registered

    @cached_property
    def evidence_sources(self) -> dict[str, type[EvidenceSource]]:
        register = evidence_source_register()
        self._pm.hook.register_evidence_sources(register=register)
        return register.registered

    @cached_property
    def notifiers(self) -> dict[str, type[Notifier]]:
        register = notifier_register()
        self._pm.hook.register_notifiers(register=register)
        return register.registered

    @cached_property
    def storage(self) -> dict[str, StorageFactory]:
        register = StorageRegister()
        self._pm.hook.register_storage(register=register)
        return register.registered
