"""Every hook the engine calls. Each docstring is the contract for plugin authors.

A plugin is a module (or object) with functions decorated by ``engine.hookimpl`` whose names and
parameters match these specs; a misspelt name fails start-up. Registration hooks receive a
``register`` callable and return nothing: the objects they register do the work.

Register a third-party plugin under the ``disputes`` entry-point group::

    [project.entry-points.disputes]
    my_source = "my_package.plugin"
"""

from __future__ import annotations

import pluggy

from engine import PROJECT_NAME
from engine.plugins.registry import (
    EvidenceSourceRegister,
    NotifierRegister,
    ProviderRegister,
    StorageRegister,
)

hookspec = pluggy.HookspecMarker(PROJECT_NAME)


@hookspec
def register_providers(register: ProviderRegister) -> None:
    """Register payment processors: ``register(MyProvider)``, a ``DisputeProvider`` subclass.

    Called once when the plugin manager is built. Providers are constructed lazily, only when
    used, through their ``from_settings``; an unconfigured provider is listed but inactive.
    Two plugins registering the same provider id is a start-up error.
    """


@hookspec
def register_evidence_sources(register: EvidenceSourceRegister) -> None:
    """Register evidence sources: ``register(MySource)``, an ``EvidenceSource`` subclass.

    Sources contribute text fields, attachments and narrative sections to a dispute's evidence
    packet. Each is built with ``from_settings`` and may return ``None`` to stay off when it is
    not configured. A source that raises or times out is recorded and the others go on.
    A provider plugin's own source sets ``provider = "<id>"``: it runs first, only for that
    provider's disputes, and its facts reach the other sources as ``provider_facts``.
    """


@hookspec
def register_notifiers(register: NotifierRegister) -> None:
    """Register notification channels: ``register(MyNotifier)``, a ``Notifier`` subclass.

    Notifiers are called from the worker, never from a webhook request, with retries; each
    notification is recorded and sent at most once per channel.
    """


@hookspec
def register_storage(register: StorageRegister) -> None:
    """Register storage backends for evidence files: ``register("s3", factory)``.

    ``factory(settings)`` returns an ``EvidenceStorage`` for a ``DISPUTES_STORAGE_URL`` whose
    scheme is the registered one.
    """
