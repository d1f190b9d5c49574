"""Which values are secrets, and that no secret survives a log record — in its message, its
arguments, its traceback or an extra field — whatever text surrounds it."""

from __future__ import annotations

import logging
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from engine.settings import load_settings
from web.redaction import REDACTED, Redactor, RedactSecrets, secrets_in, secrets_of

STRIPE_KEY = "sk_test_51Hredactme0123456789"
TELEGRAM_TOKEN = "123456:AAH-redact_me-please"


def record(msg: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("some.library", logging.INFO, __file__, 1, msg, args or None, None)
    for name, value in extra.items():
        setattr(made, name, value)
    return made


def test_the_secrets_are_every_credential_setting_url_password_and_s3_key(tmp_path: Path) -> None:
    toml = tmp_path / "disputes.toml"
    toml.write_text(
        '[evidence_sources.app_sql]\nurl = "postgresql://app:app-db-pass@db/app"\n',
        encoding="utf-8",
    )
    settings = load_settings(
        {
            "DISPUTES_CONFIG": str(toml),
            "DISPUTES_DATA_DIR": str(tmp_path / "data"),
            "DISPUTES_SECRET_KEY": "s" * 40,
            "DISPUTES_DASHBOARD_KEY": "dashboard-key-0123",
            "DISPUTES_DATABASE_URL": "postgresql://disputes:db%2Fpass@127.0.0.1/disputes",
            "DISPUTES_STRIPE_API_KEY": STRIPE_KEY,
            "DISPUTES_STRIPE_WEBHOOK_SECRET": "whsec_old111, whsec_new222",
            "DISPUTES_PAYSTAND_CLIENT_ID": "paystand-client",
            "DISPUTES_PAYSTAND_CLIENT_SECRET": "paystand-secret",
            "DISPUTES_PAYSTAND_WEBHOOK_TOKEN": "path-token-0123456789",
            "DISPUTES_TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
            "DISPUTES_TELEGRAM_CHAT_ID": "4242",
            "DISPUTES_TIMEZONE": "Europe/Berlin",
        },
        cwd=tmp_path,
    )
    found = set(secrets_of(settings, {"AWS_SECRET_ACCESS_KEY": "aws-secret-key", "HOME": "/r"}))
    assert {
        "s" * 40,
        "dashboard-key-0123",
        "db%2Fpass",
        "db/pass",  # the password as the URL carries it and as the server receives it
        "app-db-pass",
        STRIPE_KEY,
        "whsec_old111",
        "whsec_new222",
        "paystand-client",
        "paystand-secret",
        "path-token-0123456789",
        TELEGRAM_TOKEN,
        "123456%3AAAH-redact_me-please",  # the bot token inside a URL
        "aws-secret-key",
    } <= found
    assert {"4242", "Europe/Berlin", "/r"}.isdisjoint(found)


def test_values_too_short_to_be_credentials_are_left_alone() -> None:
    assert secrets_in({"SOME_TOKEN": "ab"}, {}, {}) == []


def test_a_secret_is_redacted_from_message_arguments_traceback_and_extra_fields() -> None:
    redact = RedactSecrets([STRIPE_KEY])
    try:
        raise RuntimeError(f"Invalid API Key provided: {STRIPE_KEY}")
    except RuntimeError as error:
        failed = record("calling %s with %r", "stripe", {"key": STRIPE_KEY}, url=STRIPE_KEY)
        failed.exc_info = (type(error), error, error.__traceback__)
    failed.stack_info = f"Stack (most recent call last): {STRIPE_KEY}"

    assert redact.filter(failed) is True

    assert failed.getMessage() == f"calling stripe with {{'key': '{REDACTED}'}}"
    assert failed.exc_text is not None
    assert "RuntimeError: Invalid API Key provided: [redacted]" in failed.exc_text
    assert STRIPE_KEY not in logging.Formatter().format(failed)
    assert failed.url == REDACTED  # type: ignore[attr-defined]


def test_a_dashboard_key_in_a_query_string_and_a_paystand_path_token_are_hidden() -> None:
    redact = Redactor()
    line = '127.0.0.1 - "GET /disputes?status=won&key=guess-0123 HTTP/1.1" 303'
    assert redact(line) == '127.0.0.1 - "GET /disputes?status=won&key=[redacted] HTTP/1.1" 303'
    assert redact("POST /webhooks/paystand/old-token-1 400") == (
        "POST /webhooks/paystand/[redacted] 400"
    )


def test_the_telegram_token_in_an_httpx_request_line_is_redacted() -> None:
    redact = RedactSecrets(secrets_in({"TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN}, {}, {}))
    line = record(
        'HTTP Request: %s %s "%s %d %s"',
        "POST",
        f"http://127.0.0.1:9/bot{TELEGRAM_TOKEN}/sendMessage",
        "HTTP/1.1",
        200,
        "OK",
    )
    redact.filter(line)
    assert line.getMessage() == (
        'HTTP Request: POST http://127.0.0.1:9/bot[redacted]/sendMessage "HTTP/1.1 200 OK"'
    )


no_nul = st.characters(codec="utf-8", exclude_characters="\0")


@given(
    secrets=st.lists(st.text(no_nul, min_size=1, max_size=30), min_size=1, max_size=4),
    pieces=st.lists(st.text(no_nul, max_size=20), min_size=1, max_size=6),
    data=st.data(),
)
def test_no_configured_secret_survives_whatever_surrounds_it(
    secrets: list[str], pieces: list[str], data: st.DataObject
) -> None:
    # given a text of arbitrary pieces with the secrets inserted anywhere, any number of times
    for secret in secrets * 2:
        pieces.insert(data.draw(st.integers(0, len(pieces))), secret)
    # when it is redacted
    cleaned = Redactor(secrets)("".join(pieces))
    # then no secret is left outside the markers (the marker's own letters do not count)
    outside = cleaned.replace(REDACTED, "\0")
    for secret in secrets:
        assert secret not in outside
