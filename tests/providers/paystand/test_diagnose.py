"""What ``disputes doctor`` learns from Paystand: one authenticated read against the emulator,
and where to register the webhook, never with its token."""

from __future__ import annotations

from engine.health.checks import Verdict
from engine.health.doctor import examine, exit_code
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.providers.paystand.conftest import CLIENT_SECRET, WEBHOOK_TOKEN


def test_good_credentials_pass_and_the_webhook_url_hides_its_token(
    make_settings: MakeSettings, paystand_settings: dict[str, str]
) -> None:
    runtime = Runtime(make_settings(**paystand_settings, public_url="https://d.example.com"))
    checks = {check.name: check for check in examine(runtime)}
    runtime.close()
    assert checks["paystand credentials"].verdict is Verdict.OK
    webhook = checks["paystand webhook"]
    assert webhook.verdict is Verdict.SKIPPED
    assert "https://d.example.com/webhooks/paystand/<DISPUTES_PAYSTAND_WEBHOOK_TOKEN>" in (
        webhook.detail
    )
    assert all(
        WEBHOOK_TOKEN not in c.detail and CLIENT_SECRET not in c.detail for c in checks.values()
    )


def test_a_wrong_client_secret_fails_the_credentials_check(
    make_settings: MakeSettings, paystand_settings: dict[str, str]
) -> None:
    settings = {**paystand_settings, "paystand_client_secret": "not-the-secret"}
    runtime = Runtime(make_settings(**settings))
    checks = examine(runtime)
    runtime.close()
    credentials = next(c for c in checks if c.name == "paystand credentials")
    assert credentials.verdict is Verdict.FAILED
    assert "Paystand refused the client credentials" in credentials.detail
    assert "not-the-secret" not in credentials.detail
    assert exit_code(checks) == 1
