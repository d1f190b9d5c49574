"""No configured secret reaches the log, in either format, over a whole working day at DEBUG
level: ``disputes -vv serve`` with every secret configured takes Stripe and Paystand webhooks,
submits evidence, sends Telegram messages (one refused first), answers wrong keys, forged
signatures and a wrong Paystand path, serves ``/metrics``, and ``disputes -vv sync`` reads both
processors through a Stripe error. Then the whole log is searched for every secret."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from emulators.paystand import PaystandEmulator
from emulators.stripe import StripeEmulator
from emulators.telegram import TelegramEmulator
from tests.support.serving import free_port
from tests.web.test_cli_worker import DISPUTES, wait_for

SECRETS = {
    "STRIPE_API_KEY": "sk_test_51LogSecretStripeKey0123456789",
    "STRIPE_WEBHOOK_SECRET": "whsec_LogSecretWebhookSecret0123",
    "PAYSTAND_CLIENT_ID": "log-secret-paystand-client-id",
    "PAYSTAND_CLIENT_SECRET": "log-secret-paystand-client-secret",
    "PAYSTAND_WEBHOOK_TOKEN": "LogSecretPaystandPathToken0123456789",
    "TELEGRAM_BOT_TOKEN": "987654:LogSecret-Telegram_BotToken",
    "DASHBOARD_KEY": "log-secret-dashboard-key-0123",
    "SECRET_KEY": "log-secret-signing-key-" + "k" * 32,
}
DATABASE_PASSWORD = "log-secret-database-password"
S3_SECRET = "log-secret-s3-secret-access-key"
CHAT = "4242"


@pytest.fixture
def emulators() -> Iterator[tuple[StripeEmulator, PaystandEmulator, TelegramEmulator, int]]:
    port = free_port()
    engine = f"http://127.0.0.1:{port}"
    stripe = StripeEmulator(
        webhook_url=f"{engine}/webhooks/stripe", webhook_secret=SECRETS["STRIPE_WEBHOOK_SECRET"]
    )
    paystand = PaystandEmulator(
        client_id=SECRETS["PAYSTAND_CLIENT_ID"],
        client_secret=SECRETS["PAYSTAND_CLIENT_SECRET"],
        customer_id="log-customer",
        webhook_url=f"{engine}/webhooks/paystand/{SECRETS['PAYSTAND_WEBHOOK_TOKEN']}",
    )
    telegram = TelegramEmulator(tokens={SECRETS["TELEGRAM_BOT_TOKEN"]}, chats={CHAT})
    with stripe, paystand, telegram:
        yield stripe, paystand, telegram, port


@pytest.mark.slow
@pytest.mark.parametrize("log_format", ["text", "json"])
def test_a_full_flow_at_debug_level_logs_no_configured_secret(
    tmp_path: Path,
    postgres_url: str,
    emulators: tuple[StripeEmulator, PaystandEmulator, TelegramEmulator, int],
    log_format: str,
) -> None:
    stripe, paystand, telegram, port = emulators
    # trust authentication ignores the password, but the engine must still keep it secret
    database_url = make_url(postgres_url).set(password=DATABASE_PASSWORD)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_SECRET_ACCESS_KEY": S3_SECRET,
        "DISPUTES_LOG_FORMAT": log_format,
        "DISPUTES_DATA_DIR": str(tmp_path / "data"),
        "DISPUTES_DATABASE_URL": database_url.render_as_string(hide_password=False),
        "DISPUTES_AUTO_SUBMIT": "true",
        "DISPUTES_STRIPE_API_BASE": stripe.url,
        "DISPUTES_PAYSTAND_API_BASE": paystand.url,
        "DISPUTES_PAYSTAND_CUSTOMER_ID": "log-customer",
        "DISPUTES_TELEGRAM_API_BASE": telegram.url,
        "DISPUTES_TELEGRAM_CHAT_ID": CHAT,
        **{f"DISPUTES_{name}": value for name, value in SECRETS.items()},
    }
    log = tmp_path / "disputes.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [DISPUTES, "-vv", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(lambda: _answers(f"{base}/healthz"), 60)
            _work_a_day(base, stripe, paystand, telegram)
            sync = subprocess.run(
                [DISPUTES, "-vv", "sync"],
                env=env,
                cwd=tmp_path,
                stdout=subprocess.PIPE,  # the report, for people; the log is stderr
                stderr=sink,
                text=True,
                timeout=120,
                check=False,
            )
            assert sync.returncode == 0, sync.stdout
            assert "stripe: finished, seen 1" in sync.stdout
            assert httpx.get(
                f"{base}/metrics", headers={"Authorization": f"Bearer {SECRETS['DASHBOARD_KEY']}"}
            ).is_success
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)

    text = log.read_text(encoding="utf-8")
    # the log saw the whole day, at DEBUG level
    assert "POST /webhooks/stripe 200" in text
    assert "POST /webhooks/paystand/[redacted] 200" in text
    assert "sendMessage" in text  # httpx's request lines to Telegram, token hidden
    assert "DEBUG" in text
    assert "[redacted]" in text
    # and no secret is in it, in any form
    secrets = [*SECRETS.values(), DATABASE_PASSWORD, S3_SECRET]
    secrets += [secret.replace(":", "%3A") for secret in secrets]
    leaked = [secret for secret in secrets if secret in text]
    assert leaked == []
    if log_format == "json":
        lines = text.splitlines()
        entries = [json.loads(line) for line in lines]  # every line is one JSON object
        assert all({"time", "level", "logger", "message"} <= set(entry) for entry in entries)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url).status_code == 200
    except httpx.HTTPError:
        return False


def _work_a_day(
    base: str, stripe: StripeEmulator, paystand: PaystandEmulator, telegram: TelegramEmulator
) -> None:
    # A refused Telegram message first: the notifier's error path, then its retry.
    telegram.fail_next(500)
    # A Stripe chargeback by webhook: stored, announced, evidence built and submitted.
    charge = stripe.state.add_charge(amount=12900, customer="cus_log")
    stripe.state.add_dispute(amount=12900, charge=str(charge["id"]))
    assert stripe.webhooks.wait_idle(timeout=30)
    # A Paystand dispute by webhook, to the secret path.
    _, event = paystand.state.create_dispute()
    assert paystand.deliver(event) == 200
    # Error paths: wrong keys, a forged signature, a wrong path token, a body that is no event.
    key = SECRETS["DASHBOARD_KEY"]
    wrong = {"Authorization": "Bearer wrong-wrong-wrong"}
    assert httpx.get(f"{base}/api/disputes", headers=wrong).status_code == 401
    assert httpx.get(f"{base}/disputes?key=not-the-key-{key[:4]}").status_code == 401
    forged = httpx.post(
        f"{base}/webhooks/stripe",
        content=b'{"id": "evt_forged", "type": "charge.dispute.created"}',
        headers={"Stripe-Signature": "t=1,v1=0000"},
    )
    assert forged.status_code == 400
    assert httpx.post(f"{base}/webhooks/paystand/not-the-token", content=b"{}").is_client_error
    token = SECRETS["PAYSTAND_WEBHOOK_TOKEN"]
    assert httpx.post(f"{base}/webhooks/paystand/{token}", content=b"[]").status_code == 400
    # The dashboard with the key, as a person opens it.
    assert httpx.get(f"{base}/disputes?key={key}", follow_redirects=False).status_code == 303
    # Evidence submitted to Stripe, and the announcements sent.
    wait_for(lambda: sum(stripe.state.counters.submissions.values()) >= 1, 90)
    wait_for(lambda: len(telegram.messages) >= 2, 60)
    # The next sync meets a Stripe error first (stripe-python retries it).
    stripe.faults.add_rule("GET", r"/v1/disputes", "500", times=1)
