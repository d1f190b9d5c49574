"""``disputes doctor`` and ``disputes setup-webhook stripe`` as a person runs them: the real
command in a subprocess, against the Stripe and Telegram emulators, SQLite, PostgreSQL and an S3
API on loopback."""

from __future__ import annotations

import re
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from emulators.stripe import StripeEmulator
from emulators.telegram import TelegramEmulator
from tests.conftest import TELEGRAM_CHAT, TELEGRAM_TOKEN
from tests.web.test_cli_worker import DISPUTES, environment

API_KEY = "sk_test_doctor_key_0123"
WEBHOOK_SECRET = "whsec_doctor_secret_0123456789"
PUBLIC_URL = "https://disputes.example.com"
ENDPOINT_URL = f"{PUBLIC_URL}/webhooks/stripe"
DASHBOARD_KEY = "doctor-dashboard-key-0123"


AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free loopback port."""
    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def stripe_api() -> Iterator[StripeEmulator]:
    with StripeEmulator(api_keys={API_KEY}) as emulator:
        yield emulator


def settings(
    stripe_api: StripeEmulator, telegram: TelegramEmulator, **overrides: str
) -> dict[str, str]:
    values = {
        "stripe_api_key": API_KEY,
        "stripe_webhook_secret": WEBHOOK_SECRET,
        "stripe_api_base": stripe_api.url,
        "stripe_max_network_retries": "0",
        "telegram_bot_token": TELEGRAM_TOKEN,
        "telegram_chat_id": TELEGRAM_CHAT,
        "telegram_api_base": telegram.url,
        "public_url": PUBLIC_URL,
        "dashboard_key": DASHBOARD_KEY,
    }
    values.update(overrides)
    return values


def disputes(tmp_path: Path, *argv: str, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DISPUTES, *argv],
        env={**environment(tmp_path, **values), **AWS},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rows(output: str) -> dict[str, tuple[str, str]]:
    """The doctor's table: check → (result, detail)."""
    found = {}
    for line in output.splitlines()[1:]:
        match = re.fullmatch(r"(\S+(?: \S+)*)\s{2,}(ok|FAILED|BAD SETTING|skipped)\s+(.*)", line)
        if match:
            found[match.group(1)] = (match.group(2), match.group(3))
    return found


def ready(tmp_path: Path, values: dict[str, str]) -> None:
    """The schema migrated and Stripe's endpoint registered, as the README says."""
    assert disputes(tmp_path, "db", "upgrade", **values).returncode == 0
    registered = disputes(tmp_path, "setup-webhook", "stripe", "--url", ENDPOINT_URL, **values)
    assert registered.returncode == 0, registered.stderr


def test_doctor_passes_everything_and_prints_no_secret(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator
) -> None:
    # Given an engine set up as the README says
    values = settings(stripe_api, telegram)
    ready(tmp_path, values)
    # When the doctor runs
    result = disputes(tmp_path, "doctor", **values)
    # Then every check passes, in one table, and no secret is on the console
    assert result.returncode == 0, result.stdout + result.stderr
    table = rows(result.stdout)
    assert {name: verdict for name, (verdict, _) in table.items()} == {
        "settings": "ok",
        "database": "ok",
        "storage": "ok",
        "paystand": "skipped",
        "stripe credentials": "ok",
        "stripe webhook endpoint": "ok",
        "telegram notifications": "ok",
    }
    assert "schema at" in table["database"][1]
    assert table["storage"][1].endswith("written, read, deleted")
    assert "sends all 7 events" in table["stripe webhook endpoint"][1]
    assert result.stdout.rstrip().endswith("all checks passed")
    for secret in (API_KEY, WEBHOOK_SECRET, TELEGRAM_TOKEN, DASHBOARD_KEY, "cli-secret-"):
        assert secret not in result.stdout + result.stderr
    assert list((tmp_path / "data" / "files").iterdir()) == []  # the probe is gone


def test_a_wrong_stripe_key_fails_with_one_line_reason(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator
) -> None:
    values = settings(stripe_api, telegram)
    ready(tmp_path, values)
    result = disputes(tmp_path, "doctor", **{**values, "stripe_api_key": "sk_test_revoked_9999"})
    assert result.returncode == 1
    verdict, detail = rows(result.stdout)["stripe credentials"]
    assert verdict == "FAILED"
    assert detail.startswith("Stripe refused the API key (DISPUTES_STRIPE_API_KEY)")
    assert rows(result.stdout)["stripe webhook endpoint"][0] == "skipped"
    assert "sk_test_revoked_9999" not in result.stdout
    assert "Traceback" not in result.stderr


def test_an_endpoint_without_the_fraud_warning_events_fails(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator
) -> None:
    # Given an endpoint someone registered by hand with the dispute events only
    values = settings(stripe_api, telegram)
    assert disputes(tmp_path, "db", "upgrade", **values).returncode == 0
    stripe_api.webhook_endpoints.create(
        "acct_emulatorplatform",
        {"url": ENDPOINT_URL, "enabled_events": {"0": "charge.dispute.created"}},
    )
    result = disputes(tmp_path, "doctor", **values)
    assert result.returncode == 1
    verdict, detail = rows(result.stdout)["stripe webhook endpoint"]
    assert verdict == "FAILED"
    assert "radar.early_fraud_warning.created" in detail
    assert detail.endswith(f"run: disputes setup-webhook stripe --url {ENDPOINT_URL}")


def test_an_unreachable_database_fails_the_database_check(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    values = settings(
        stripe_api, telegram, database_url=f"postgresql://postgres@127.0.0.1:{port}/disputes"
    )
    result = disputes(tmp_path, "doctor", **values)
    assert result.returncode == 1
    verdict, detail = rows(result.stdout)["database"]
    assert verdict == "FAILED" and "Connection refused" in detail
    assert rows(result.stdout)["stripe credentials"][0] == "ok"  # the other checks still ran
    assert "Traceback" not in result.stdout + result.stderr


def test_a_database_not_migrated_says_what_to_run(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator, postgres_url: str
) -> None:
    result = disputes(
        tmp_path, "doctor", **settings(stripe_api, telegram, database_url=postgres_url)
    )
    assert result.returncode == 1
    verdict, detail = rows(result.stdout)["database"]
    assert (verdict, detail.endswith("has no schema yet: run disputes db upgrade")) == (
        "FAILED",
        True,
    )


def test_storage_that_cannot_be_created_is_a_bad_setting(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator
) -> None:
    occupied = tmp_path / "a-file"
    occupied.write_text("not a folder")
    values = settings(stripe_api, telegram, storage_url=occupied.as_uri())
    ready(tmp_path, values)
    result = disputes(tmp_path, "doctor", **values)
    assert result.returncode == 2
    verdict, detail = rows(result.stdout)["storage"]
    assert verdict == "BAD SETTING" and detail.startswith("DISPUTES_STORAGE_URL: cannot create")


def test_storage_that_refuses_the_probe_fails(
    tmp_path: Path,
    stripe_api: StripeEmulator,
    telegram: TelegramEmulator,
    s3_endpoint: str,
) -> None:
    # Given S3 storage whose bucket does not exist
    values = settings(
        stripe_api,
        telegram,
        storage_url="s3://no-such-bucket/evidence",
        s3_endpoint_url=s3_endpoint,
    )
    ready(tmp_path, values)
    result = disputes(tmp_path, "doctor", **values)
    assert result.returncode == 1
    verdict, detail = rows(result.stdout)["storage"]
    assert verdict == "FAILED" and "NoSuchBucket" in detail


def test_doctor_over_s3_writes_reads_and_deletes_the_probe(
    tmp_path: Path,
    stripe_api: StripeEmulator,
    telegram: TelegramEmulator,
    s3_endpoint: str,
) -> None:
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="evidence")
    values = settings(
        stripe_api, telegram, storage_url="s3://evidence/disputes", s3_endpoint_url=s3_endpoint
    )
    ready(tmp_path, values)
    result = disputes(tmp_path, "doctor", **values)
    assert result.returncode == 0, result.stdout
    assert client.list_objects_v2(Bucket="evidence").get("KeyCount") == 0


def test_a_malformed_provider_setting_is_a_bad_setting_row(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator
) -> None:
    values = settings(stripe_api, telegram, paystand_client_id="only-one-of-four")
    ready(tmp_path, values)
    result = disputes(tmp_path, "doctor", **values)
    assert result.returncode == 2
    verdict, detail = rows(result.stdout)["paystand"]
    assert verdict == "BAD SETTING" and detail.startswith("DISPUTES_PAYSTAND_CLIENT_SECRET")
    assert result.stdout.rstrip().endswith("1 setting(s) to fix")


def test_a_malformed_core_setting_stops_the_doctor_in_one_line(tmp_path: Path) -> None:
    result = disputes(tmp_path, "doctor", auto_submit="perhaps")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith("disputes: DISPUTES_AUTO_SUBMIT")
    assert result.stderr.count("\n") == 1


def test_a_telegram_token_telegram_refuses_fails(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator
) -> None:
    values = settings(stripe_api, telegram, telegram_bot_token="999:not-our-bot")
    ready(tmp_path, values)
    result = disputes(tmp_path, "doctor", **values)
    assert result.returncode == 1
    verdict, detail = rows(result.stdout)["telegram notifications"]
    assert verdict == "FAILED" and "Unauthorized" in detail
    assert "not-our-bot" not in result.stdout


# -- setup-webhook ---------------------------------------------------------------------------


def test_setup_webhook_creates_then_updates_and_prints_the_secret_once(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator
) -> None:
    values = settings(stripe_api, telegram)
    # When the endpoint is set up twice for the same URL
    first = disputes(tmp_path, "setup-webhook", "stripe", "--url", ENDPOINT_URL, **values)
    second = disputes(tmp_path, "setup-webhook", "stripe", "--url", ENDPOINT_URL, **values)
    # Then the first run created it and printed its signing secret, the second updated it
    assert (first.returncode, second.returncode) == (0, 0)
    created, secret_line = first.stdout.splitlines()
    assert created.startswith("stripe: created webhook endpoint we_")
    secret = secret_line.rsplit(" ", 1)[1]
    assert secret.startswith("whsec_")
    assert "updated webhook endpoint" in second.stdout
    assert "signing secret stays the same" in second.stdout
    assert "whsec_" not in second.stdout
    # and Stripe holds one endpoint with every event the engine handles
    listed = stripe_api.webhook_endpoints.list("acct_emulatorplatform", {})["data"]
    assert [e["url"] for e in listed] == [ENDPOINT_URL]
    assert sorted(listed[0]["enabled_events"]) == [
        "charge.dispute.closed",
        "charge.dispute.created",
        "charge.dispute.funds_reinstated",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.updated",
        "radar.early_fraud_warning.created",
        "radar.early_fraud_warning.updated",
    ]


def test_setup_webhook_re_enables_a_disabled_endpoint_and_restores_its_events(
    tmp_path: Path, stripe_api: StripeEmulator, telegram: TelegramEmulator
) -> None:
    account = "acct_emulatorplatform"
    made = stripe_api.webhook_endpoints.create(
        account, {"url": ENDPOINT_URL, "enabled_events": {"0": "charge.dispute.created"}}
    )
    stripe_api.webhook_endpoints.update(account, made["id"], {"disabled": "true"})
    result = disputes(
        tmp_path, "setup-webhook", "stripe", "--url", ENDPOINT_URL, **settings(stripe_api, telegram)
    )
    assert result.returncode == 0, result.stderr
    endpoint = stripe_api.webhook_endpoints.retrieve(account, made["id"], {})
    assert endpoint["status"] == "enabled" and len(endpoint["enabled_events"]) == 7


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "http://localhost:8000/webhooks/stripe",
            "Stripe refused: Invalid URL: URL must be public",
        ),
        ("https://disputes.example.com/hooks", "disputes: --url: must end with /webhooks/stripe"),
        ("disputes.example.com/webhooks/stripe", "disputes: --url: must be an http(s) URL"),
    ],
)
def test_setup_webhook_refusals_are_one_line(
    tmp_path: Path,
    stripe_api: StripeEmulator,
    telegram: TelegramEmulator,
    url: str,
    message: str,
) -> None:
    result = disputes(
        tmp_path, "setup-webhook", "stripe", "--url", url, **settings(stripe_api, telegram)
    )
    assert result.returncode in {1, 2}
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert stripe_api.webhook_endpoints.list("acct_emulatorplatform", {})["data"] == []


def test_setup_webhook_for_paystand_says_where_to_register(tmp_path: Path) -> None:
    result = disputes(
        tmp_path,
        "setup-webhook",
        "paystand",
        "--url",
        "https://disputes.example.com/webhooks/paystand",
        paystand_client_id="id",
        paystand_client_secret="secret",
        paystand_customer_id="customer",
        paystand_webhook_token="t" * 40,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "disputes: Paystand webhooks are registered in its dashboard, not through its API\n"
    )
