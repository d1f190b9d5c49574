"""Settings: environment over file, validated at start-up, secrets never silently defaulted."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.errors import SettingError
from engine.evidence.submit_policy import AutoSubmit
from engine.settings import load_settings, parse_bool, parse_timezone


def test_no_configuration_at_all_gives_the_embedded_default(tmp_path: Path) -> None:
    settings = load_settings({}, cwd=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'data' / 'disputes.db'}"
    assert settings.storage_url == (tmp_path / "data" / "files").as_uri()
    assert settings.auto_submit is AutoSubmit.COMPLETE and settings.dashboard_key is None
    assert settings.submit_before_deadline_hours == 24
    # A secret key is generated once, kept private, and reused
    key_file = tmp_path / "data" / "secret_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert load_settings({}, cwd=tmp_path).secret_key == settings.secret_key


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    (tmp_path / "disputes.toml").write_text(
        'auto_submit = true\nstripe_api_key = "sk_file"\n'
        '[evidence_sources.app_sql]\nurl = "sqlite:///app.db"\n'
    )
    settings = load_settings({"DISPUTES_AUTO_SUBMIT": "false"}, cwd=tmp_path)
    assert settings.auto_submit is AutoSubmit.FALSE
    assert settings.get("stripe_api_key") == "sk_file"
    assert settings.section("evidence_sources", "app_sql")["url"] == "sqlite:///app.db"
    assert settings.section("evidence_sources", "missing") == {}


@pytest.mark.parametrize(
    ("environ", "variable"),
    [
        ({"DISPUTES_AUTO_SUBMIT": "maybe"}, "DISPUTES_AUTO_SUBMIT"),
        ({"DISPUTES_DATABASE_URL": "mysql://x/y"}, "DISPUTES_DATABASE_URL"),
        ({"DISPUTES_STORAGE_URL": "/var/lib/files"}, "DISPUTES_STORAGE_URL"),
        ({"DISPUTES_S3_ENDPOINT_URL": "r2.example"}, "DISPUTES_S3_ENDPOINT_URL"),
        ({"DISPUTES_SECRET_KEY": "short"}, "DISPUTES_SECRET_KEY"),
        ({"DISPUTES_DASHBOARD_KEY": "1234"}, "DISPUTES_DASHBOARD_KEY"),
        ({"DISPUTES_CONFIG": "/nonexistent/disputes.toml"}, "DISPUTES_CONFIG"),
        ({"DISPUTES_TIMEZONE": "Europe/Atlantis"}, "DISPUTES_TIMEZONE"),
        ({"DISPUTES_TIMEZONE": "../../etc/passwd"}, "DISPUTES_TIMEZONE"),
        ({"DISPUTES_TIMEZONE": "/etc/localtime"}, "DISPUTES_TIMEZONE"),
        ({"DISPUTES_TIMEZONE": "America"}, "DISPUTES_TIMEZONE"),
        ({"DISPUTES_ACCEPT_BELOW": "cheap"}, "DISPUTES_ACCEPT_BELOW"),
        ({"DISPUTES_ACCEPT_BELOW": "-5"}, "DISPUTES_ACCEPT_BELOW"),
        ({"DISPUTES_ACCEPT_BELOW": "NaN"}, "DISPUTES_ACCEPT_BELOW"),
        ({"DISPUTES_ACCEPT_BELOW": "0"}, "DISPUTES_ACCEPT_BELOW"),
        ({"DISPUTES_RECONCILE_INTERVAL_SECONDS": "hourly"}, "DISPUTES_RECONCILE_INTERVAL_SECONDS"),
        ({"DISPUTES_RECONCILE_INTERVAL_SECONDS": "-1"}, "DISPUTES_RECONCILE_INTERVAL_SECONDS"),
        ({"DISPUTES_RECONCILE_INTERVAL_SECONDS": "1.5"}, "DISPUTES_RECONCILE_INTERVAL_SECONDS"),
        ({"DISPUTES_RECONCILE_INTERVAL_SECONDS": "5"}, "DISPUTES_RECONCILE_INTERVAL_SECONDS"),
    ],
)
def test_a_bad_value_names_its_variable(
    tmp_path: Path, environ: dict[str, str], variable: str
) -> None:
    with pytest.raises(SettingError) as caught:
        load_settings(environ, cwd=tmp_path)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(variable)


@pytest.mark.parametrize(
    ("value", "seconds"), [(None, 3600), ("", 3600), ("0", 0), ("off", 0), ("60", 60), ("900", 900)]
)
def test_the_reconcile_interval_defaults_to_an_hour_and_0_turns_it_off(
    tmp_path: Path, value: str | None, seconds: int
) -> None:
    environ = {} if value is None else {"DISPUTES_RECONCILE_INTERVAL_SECONDS": value}
    assert load_settings(environ, cwd=tmp_path).reconcile_interval_seconds == seconds


def test_a_too_short_reconcile_interval_is_one_line_saying_what_is_allowed(
    tmp_path: Path,
) -> None:
    with pytest.raises(SettingError) as caught:
        load_settings({"DISPUTES_RECONCILE_INTERVAL_SECONDS": "5"}, cwd=tmp_path)
    assert str(caught.value) == (
        "DISPUTES_RECONCILE_INTERVAL_SECONDS: must be 0 (off) or at least 60 seconds"
    )


def test_a_broken_config_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "disputes.toml").write_text("database_url = [unclosed\n")
    with pytest.raises(SettingError, match="DISPUTES_CONFIG.*not valid TOML"):
        load_settings({}, cwd=tmp_path)


def test_a_missing_plugin_setting_is_named() -> None:
    settings = load_settings({"DISPUTES_SECRET_KEY": "k" * 40}, cwd=Path("/tmp"), create=False)
    with pytest.raises(SettingError, match="^DISPUTES_STRIPE_API_KEY: is not set$"):
        settings.require("STRIPE_API_KEY")


@given(value=st.text(max_size=20))
def test_a_boolean_setting_parses_or_names_its_variable(value: str) -> None:
    try:
        parsed = parse_bool(value, "DISPUTES_AUTO_SUBMIT", default=True)
    except SettingError as error:
        assert error.variable == "DISPUTES_AUTO_SUBMIT"
    else:
        assert isinstance(parsed, bool)


def test_the_time_zone_defaults_to_utc_and_is_read_from_env_or_file(tmp_path: Path) -> None:
    assert load_settings({}, cwd=tmp_path).timezone == ZoneInfo("UTC")
    (tmp_path / "disputes.toml").write_text('timezone = "Africa/Lagos"\n')
    assert load_settings({}, cwd=tmp_path).timezone == ZoneInfo("Africa/Lagos")
    env = {"DISPUTES_TIMEZONE": " America/New_York "}
    assert load_settings(env, cwd=tmp_path).timezone == ZoneInfo("America/New_York")


@given(st.sampled_from(sorted(available_timezones())))
def test_every_iana_time_zone_is_accepted(name: str) -> None:
    assert parse_timezone(name, "DISPUTES_TIMEZONE").key == name


@given(st.text(max_size=40))
def test_any_text_is_a_zone_or_one_named_error(value: str) -> None:
    try:
        zone = parse_timezone(value, "DISPUTES_TIMEZONE")
    except SettingError as error:
        assert error.variable == "DISPUTES_TIMEZONE"
    else:
        assert isinstance(zone, ZoneInfo)
