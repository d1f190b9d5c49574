"""Building the Paystand provider from settings: off, half-configured, or a weak token."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import NotConfigured, SettingError
from engine.plugins.manager import Plugins
from engine.testing import MakeSettings
from providers.paystand.consts import DEFAULT_API_BASE
from providers.paystand.provider import PaystandProvider
from tests.providers.paystand.helpers import cli_environment
from web.cli import main


def test_the_builtin_plugin_registers_paystand() -> None:
    providers = Plugins.load().providers
    assert providers["paystand"] is PaystandProvider
    capabilities = PaystandProvider.capabilities
    assert not capabilities.supports_evidence_api
    assert not capabilities.supports_accept
    assert capabilities.supports_sync


def test_without_any_setting_paystand_is_off_and_says_what_to_set(
    make_settings: MakeSettings,
) -> None:
    with pytest.raises(NotConfigured, match="DISPUTES_PAYSTAND_WEBHOOK_TOKEN"):
        PaystandProvider.from_settings(make_settings())


def test_half_a_configuration_names_the_missing_variable(
    make_settings: MakeSettings, paystand_settings: dict[str, str]
) -> None:
    del paystand_settings["paystand_customer_id"]
    with pytest.raises(SettingError) as raised:
        PaystandProvider.from_settings(make_settings(**paystand_settings))
    assert raised.value.variable == "DISPUTES_PAYSTAND_CUSTOMER_ID"


@pytest.mark.parametrize(
    "token",
    ["short", "x" * 31, "has/slash" + "x" * 40, "has space" + "x" * 40, "ünïcode" + "x" * 40],
)
def test_a_guessable_or_unroutable_webhook_token_is_refused(
    make_settings: MakeSettings, paystand_settings: dict[str, str], token: str
) -> None:
    paystand_settings["paystand_webhook_token"] = token
    with pytest.raises(SettingError) as raised:
        PaystandProvider.from_settings(make_settings(**paystand_settings))
    assert raised.value.variable == "DISPUTES_PAYSTAND_WEBHOOK_TOKEN"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("paystand_api_base", "ftp://example.com"),
        ("paystand_timeout", "soon"),
        ("paystand_timeout", "0"),
    ],
)
def test_malformed_values_name_their_variable(
    make_settings: MakeSettings, paystand_settings: dict[str, str], name: str, value: str
) -> None:
    paystand_settings[name] = value
    with pytest.raises(SettingError) as raised:
        PaystandProvider.from_settings(make_settings(**paystand_settings))
    assert raised.value.variable == f"DISPUTES_{name.upper()}"


def test_the_production_api_is_the_default(
    make_settings: MakeSettings, paystand_settings: dict[str, str]
) -> None:
    del paystand_settings["paystand_api_base"]
    provider = PaystandProvider.from_settings(make_settings(**paystand_settings))
    try:
        assert provider.api.base_url == DEFAULT_API_BASE
    finally:
        provider.close()


def test_serve_refuses_a_short_webhook_token_at_start_up(
    paystand_settings: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cli_environment(monkeypatch, tmp_path, paystand_settings, paystand_webhook_token="paystand")
    assert main(["serve", "--port", "9"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("disputes: DISPUTES_PAYSTAND_WEBHOOK_TOKEN: must be at least 32")
    assert error.count("\n") == 1
