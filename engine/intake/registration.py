"""Registering the engine's webhook URL with a processor (``disputes setup-webhook``).

The engine checks what it knows — the provider is configured and can register endpoints by
API, and the URL is one where the engine receives that provider's webhooks — and the provider
does the rest (:meth:`DisputeProvider.register_webhook`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from engine.errors import NotConfigured, SettingError
from engine.plugins.provider import WebhookRegistration
from engine.runtime import Runtime

URL_OPTION = "--url"


def register_webhook(runtime: Runtime, provider_id: str, url: str) -> WebhookRegistration:
    """Create or update ``provider_id``'s webhook endpoint for ``url``.

    Raises :class:`NotConfigured` for a provider that is off or registers webhooks only in its
    dashboard, :class:`SettingError` for a URL the engine would not answer at, and the
    provider's :class:`~engine.errors.ProviderError` when the processor refuses or is down.
    """
    provider = runtime.provider(provider_id)
    if not provider.capabilities.registers_webhooks:
        raise NotConfigured(
            f"{provider.display_name} webhooks are registered in its dashboard, not through its API"
        )
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingError(URL_OPTION, f"must be an http(s) URL, not {url!r}")
    route = f"/webhooks/{provider_id}"
    if parts.path.rstrip("/") != parts.path or not parts.path.endswith(route):
        raise SettingError(
            URL_OPTION,
            f"must end with {route}, where the engine receives {provider.display_name}'s "
            f"webhooks (e.g. https://disputes.example.com{route})",
        )
    return provider.register_webhook(url)
