"""Typed plugin settings: decoded from DISPUTES_<PREFIX>_* in one error format."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from msgspec import Meta

from engine.errors import NotConfigured, SettingError
from engine.plugins.settings import HttpUrl, PluginSettings, decode_settings
from engine.settings import load_settings


class ExampleSettings(PluginSettings, frozen=True, kw_only=True):
    api_key: Annotated[str, Meta(pattern=r"^key_", description="must be a key starting key_")]
    account: str
    api_base: HttpUrl = "https://api.example.com"
    retries: Annotated[int, Meta(ge=0, le=5)] = 2
    live: bool = False
    limit: Decimal | None = None


def decode(tmp_path_factory: pytest.TempPathFactory, **values: str) -> ExampleSettings:
    environ = {f"DISPUTES_EXAMPLE_{name.upper()}": value for name, value in values.items()}
    environ["DISPUTES_DATA_DIR"] = str(tmp_path_factory.mktemp("data"))
    settings = load_settings(environ)
    return decode_settings(settings, ExampleSettings, "EXAMPLE", display_name="Example")


def test_text_becomes_the_declared_types(tmp_path_factory: pytest.TempPathFactory) -> None:
    typed = decode(
        tmp_path_factory, api_key="key_1", account="a", retries="4", live="true", limit="25.00"
    )
    assert typed == ExampleSettings(
        api_key="key_1", account="a", retries=4, live=True, limit=Decimal("25.00")
    )


def test_none_of_the_required_settings_means_the_plugin_is_off(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with pytest.raises(NotConfigured) as off:
        decode(tmp_path_factory, retries="3")
    assert str(off.value) == (
        "Example is not configured: set DISPUTES_EXAMPLE_API_KEY, DISPUTES_EXAMPLE_ACCOUNT"
    )


def test_half_a_configuration_names_the_missing_variable(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    with pytest.raises(SettingError) as half:
        decode(tmp_path_factory, api_key="key_1")
    assert half.value.variable == "DISPUTES_EXAMPLE_ACCOUNT"


@pytest.mark.parametrize(
    ("values", "variable", "message"),
    [
        ({"api_key": "nope"}, "DISPUTES_EXAMPLE_API_KEY", "must be a key starting key_"),
        ({"api_base": "ftp://x"}, "DISPUTES_EXAMPLE_API_BASE", "must be an http(s) URL"),
        ({"retries": "9"}, "DISPUTES_EXAMPLE_RETRIES", "expected `int` <= 5"),
        ({"live": "maybe"}, "DISPUTES_EXAMPLE_LIVE", "expected `bool`, got `str`"),
    ],
)
def test_a_malformed_value_is_one_line_naming_its_variable_and_never_echoed(
    tmp_path_factory: pytest.TempPathFactory,
    values: dict[str, str],
    variable: str,
    message: str,
) -> None:
    with pytest.raises(SettingError) as refused:
        decode(tmp_path_factory, **{"api_key": "key_1", "account": "a", **values})
    assert refused.value.variable == variable
    assert str(refused.value) == f"{variable}: {message}"
    for value in values.values():
        assert value not in str(refused.value)


@given(st.text(min_size=1, max_size=40).filter(lambda t: t.strip() == t and "\x00" not in t))
def test_any_api_key_is_accepted_or_refused_without_being_echoed(key: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as data_dir:
        settings = load_settings(
            {
                "DISPUTES_DATA_DIR": data_dir,
                "DISPUTES_EXAMPLE_API_KEY": key,
                "DISPUTES_EXAMPLE_ACCOUNT": "a",
            }
        )
        try:
            typed = decode_settings(settings, ExampleSettings, "EXAMPLE", display_name="Example")
        except SettingError as error:
            assert not key.startswith("key_")
            assert (
                key not in str(error)
                or key in "DISPUTES_EXAMPLE_API_KEY: must be a key starting key_"
            )
        else:
            assert typed.api_key == key and key.startswith("key_")


def test_the_configuration_file_fills_the_same_struct(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    folder = tmp_path_factory.mktemp("config")
    (folder / "disputes.toml").write_text(
        'example_api_key = "key_from_file"\nexample_account = "acct"\nexample_retries = 1\n'
    )
    settings = load_settings(
        {"DISPUTES_CONFIG": str(folder / "disputes.toml"), "DISPUTES_DATA_DIR": str(folder)}
    )
    typed = decode_settings(settings, ExampleSettings, "EXAMPLE", display_name="Example")
    assert (typed.api_key, typed.account, typed.retries) == ("key_from_file", "acct", 1)
