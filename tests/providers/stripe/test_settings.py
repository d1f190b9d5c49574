"""Building the provider from settings: a clear, named error for each mistake."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from engine.errors import NotConfigured, SettingError
from engine.plugins.manager import Plugins
from engine.settings import Settings
from providers.stripe.facts import StripeFacts
from providers.stripe.provider import StripeProvider


def test_the_plugin_registers_the_provider_and_its_facts_source() -> None:
    plugins = Plugins.load()
    assert plugins.providers["stripe"] is StripeProvider
    assert plugins.evidence_sources["stripe_facts"] is StripeFacts


def test_without_an_api_key_stripe_is_not_configured(
    make_settings: Callable[..., Settings],
) -> None:
    with pytest.raises(NotConfigured, match="DISPUTES_STRIPE_API_KEY"):
        StripeProvider.from_settings(make_settings())


@pytest.mark.parametrize(
    ("values", "variable"),
    [
        ({"stripe_api_key": "pk_test_publishable"}, "DISPUTES_STRIPE_API_KEY"),
        ({"stripe_webhook_secret": "not-a-secret"}, "DISPUTES_STRIPE_WEBHOOK_SECRET"),
        ({"stripe_webhook_secret": "whsec_ok,oops"}, "DISPUTES_STRIPE_WEBHOOK_SECRET"),
        ({"stripe_webhook_secret": " , "}, "DISPUTES_STRIPE_WEBHOOK_SECRET"),
        ({"stripe_api_base": "localhost:12111"}, "DISPUTES_STRIPE_API_BASE"),
        ({"stripe_timeout_seconds": "soon"}, "DISPUTES_STRIPE_TIMEOUT_SECONDS"),
        ({"stripe_max_network_retries": "-1"}, "DISPUTES_STRIPE_MAX_NETWORK_RETRIES"),
    ],
)
def test_a_malformed_setting_names_its_variable(
    make_settings: Callable[..., Settings], values: dict[str, str], variable: str
) -> None:
    settings = make_settings(**{"stripe_api_key": "sk_test_ok", **values})
    with pytest.raises(SettingError) as refused:
        StripeProvider.from_settings(settings)
    assert refused.value.variable == variable


def test_without_a_webhook_secret_deliveries_are_deferred_not_dropped(
    make_settings: Callable[..., Settings],
) -> None:
    from datetime import UTC, datetime

    from engine.plugins.provider import Rejected, WebhookRequest

    provider = StripeProvider.from_settings(make_settings(stripe_api_key="sk_test_ok"))
    verdict = provider.handle_webhook(
        WebhookRequest(body=b"{}", headers={}, path_params={}, received_at=datetime.now(tz=UTC))
    )
    assert isinstance(verdict, Rejected)
    assert verdict.status_code == 503
    assert "DISPUTES_STRIPE_WEBHOOK_SECRET" in verdict.reason
