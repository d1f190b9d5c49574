"""One process's engine: settings, plugins, database and the providers built from them."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import cached_property

from engine.db.database import Database
from engine.disputes.ingest import DisputeBook
from engine.disputes.outcomes import AfterApply
from engine.errors import NotConfigured
from engine.evidence.book import EvidenceBook
from engine.fraud_warnings.book import FraudWarningBook
from engine.intake.webhooks import WebhookIntake
from engine.notifications.announcements import announcer
from engine.notifications.notifier import Notifier
from engine.plugins.manager import Plugins
from engine.plugins.provider import DisputeProvider
from engine.settings import Settings
from engine.storage import EvidenceStorage, open_storage
from engine.work.accept_below import auto_accepter


class Runtime:
    """Composes the engine for one process. Providers are built on first use and cached."""

    def __init__(
        self,
        settings: Settings,
        plugins: Plugins | None = None,
        *,
        after_apply: Sequence[AfterApply] | None = None,
    ) -> None:
        """``after_apply`` defaults to the engine's announcements (new disputes, outcomes);
        pass ``()`` for a runtime that announces nothing."""
        self.settings = settings
        self.plugins = plugins or Plugins.load()
        if after_apply is None:
            after_apply = (announcer(lambda: self.notifiers),)
        self._after_apply = list(after_apply)
        self._providers: dict[str, DisputeProvider] = {}
        self._lock = threading.Lock()

    @cached_property
    def database(self) -> Database:
        return Database(self.settings.database_url)

    @cached_property
    def book(self) -> DisputeBook:
        # Policy, not announcement: conceding small disputes holds whatever else is hooked.
        policy = auto_accepter(self.settings.accept_below)
        return DisputeBook(self.database, after_apply=[*self._after_apply, policy])

    @cached_property
    def webhook_intake(self) -> WebhookIntake:
        """Where verified webhook deliveries are stored and applied: concurrent requests share
        one transaction (:mod:`engine.intake.webhooks`)."""
        return WebhookIntake(self.book)

    @cached_property
    def evidence(self) -> EvidenceBook:
        """The owner of evidence versions and submissions (the one submission gate)."""
        return EvidenceBook(self.database, self.book)

    @cached_property
    def fraud_warnings(self) -> FraudWarningBook:
        return FraudWarningBook(self.database)

    def provider(self, provider_id: str) -> DisputeProvider:
        """The provider ``provider_id``; :class:`NotConfigured` says what to set if it is off."""
        with self._lock:
            if provider_id in self._providers:
                return self._providers[provider_id]
            provider_class = self.plugins.providers.get(provider_id)
            if provider_class is None:
                known = ", ".join(sorted(self.plugins.providers)) or "none"
                raise NotConfigured(f"no provider named {provider_id!r} (installed: {known})")
            provider = provider_class.from_settings(self.settings)
            self._providers[provider_id] = provider
            return provider

    def configured_providers(self) -> dict[str, DisputeProvider]:
        """Every installed provider whose settings are complete, by id."""
        active = {}
        for provider_id in sorted(self.plugins.providers):
            try:
                active[provider_id] = self.provider(provider_id)
            except NotConfigured:
                continue
        return active

    @cached_property
    def notifiers(self) -> dict[str, Notifier]:
        """Every installed notifier whose settings enable it, by name."""
        built = {}
        for name, notifier_class in sorted(self.plugins.notifiers.items()):
            notifier = notifier_class.from_settings(self.settings)
            if notifier is not None:
                built[name] = notifier
        return built

    @cached_property
    def storage(self) -> EvidenceStorage:
        """Where evidence files are archived (``DISPUTES_STORAGE_URL``)."""
        return open_storage(self.settings, self.plugins.storage)

    def close(self) -> None:
        if "webhook_intake" in self.__dict__:
            self.webhook_intake.close()
        for provider in self._providers.values():
            provider.close()
        if "notifiers" in self.__dict__:
            for notifier in self.notifiers.values():
                notifier.close()
        if "database" in self.__dict__:
            self.database.dispose()
