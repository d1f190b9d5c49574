"""Early fraud warnings at Stripe, over real HTTP: the emulator's signed webhooks reach the running
app, the worker reads the charge and refunds it below ``DISPUTES_EFW_REFUND_BELOW`` — once,
whatever the duplicates, the workers and Stripe's failures — and Telegram hears about it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from emulators.stripe import StripeEmulator
from emulators.stripe.radar import add_early_fraud_warning
from emulators.stripe.webhooks import sign
from emulators.telegram import TelegramEmulator
from engine.db.fraud_warnings import EarlyFraudWarning
from engine.db.migrate import upgrade
from engine.db.models import WebhookDelivery
from engine.fraud_warnings.model import RefundDecision
from engine.fraud_warnings.refund import RefundPolicy
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.worker import Worker
from tests.conftest import TELEGRAM_CHAT, TELEGRAM_TOKEN
from tests.providers.stripe.conftest import serve
from web.app import create_app

REFUNDS = r"/v1/refunds"


def engine_for(make_settings: MakeSettings, stripe_env: dict[str, str], **values: str) -> Runtime:
    runtime = Runtime(make_settings(auto_submit="false", **stripe_env, **values))
    upgrade(runtime.database)
    return runtime


@pytest.fixture
def refund_below(
    make_settings: MakeSettings, stripe_env: dict[str, str], telegram: TelegramEmulator
) -> Iterator[Runtime]:
    """An engine refunding warned charges below 25.00, announcing through Telegram."""
    runtime = engine_for(
        make_settings,
        stripe_env,
        efw_refund_below="25.00",
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_chat_id=TELEGRAM_CHAT,
        telegram_api_base=telegram.url,
    )
    yield runtime
    runtime.close()


@pytest.fixture
def live_app(refund_below: Runtime) -> Iterator[str]:
    """The engine's app on a free loopback port, for the emulator's webhooks."""
    with serve(refund_below) as url:
        yield url


@pytest.fixture
def app_client(refund_below: Runtime) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(refund_below)) as client:
        yield client


def warn(emulator: StripeEmulator, amount: int, **charge: Any) -> tuple[str, str]:
    """A charge of ``amount`` cents and an early fraud warning on it: (charge id, warning id)."""
    charge_id = str(emulator.state.add_charge(amount=amount, **charge)["id"])
    return charge_id, str(add_early_fraud_warning(emulator.state, charge_id)["id"])


def deliver_events(emulator: StripeEmulator, app: str, *, times: int = 1) -> None:
    """Send every event the emulator emitted to the app, ``times`` times each, as Stripe
    does (signed, over HTTP), and wait until all were answered."""
    emulator.webhooks.url = f"{app}/webhooks/stripe"
    for owned in list(emulator.state.events.values()):
        for _ in range(times):
            emulator.webhooks.enqueue(owned.object)
    assert emulator.webhooks.wait_idle(timeout=30)


def warning_row(runtime: Runtime, warning_id: str) -> EarlyFraudWarning:
    with runtime.database.reading() as session:
        return session.scalars(
            select(EarlyFraudWarning).where(EarlyFraudWarning.warning_id == warning_id)
        ).one()


def drain(runtime: Runtime, **options: Any) -> None:
    Worker(runtime, idle_seconds=0, **options).drain()


def test_a_warning_delivered_three_times_refunds_once_and_is_announced_once(
    refund_below: Runtime,
    stripe_emulator: StripeEmulator,
    telegram: TelegramEmulator,
    live_app: str,
) -> None:
    # Given a 19.99 USD charge with an early fraud warning, announced three times
    charge_id, warning_id = warn(stripe_emulator, 1999)
    deliver_events(stripe_emulator, live_app, times=3)
    with refund_below.database.reading() as session:
        rows = session.scalars(select(EarlyFraudWarning)).all()
        outcomes = sorted(
            d.outcome for d in session.scalars(select(WebhookDelivery)) if d.event_type
        )
    assert [row.warning_id for row in rows] == [warning_id]
    assert outcomes == ["applied", "duplicate", "duplicate"]
    # When two workers drain the queue
    drain(refund_below)
    drain(refund_below)
    # Then Stripe refunded the charge once, under the warning's key, and the row says so
    refunds = [r.object for r in stripe_emulator.state.refunds.values()]
    assert [(r["charge"], r["amount"], r["reason"]) for r in refunds] == [
        (charge_id, 1999, "fraudulent")
    ]
    sent = stripe_emulator.requests_for("POST", REFUNDS)
    assert {r.idempotency_key for r in sent} == {f"efw-refund-{warning_id}"}
    row = warning_row(refund_below, warning_id)
    assert (row.decision, row.refund_id, row.amount, row.currency) == (
        RefundDecision.REFUNDED,
        refunds[0]["id"],
        "19.99",
        "USD",
    )
    # and Telegram got one message with the amount, the charge, the fraud type and the refund
    [message] = telegram.messages
    assert "19.99 USD" in message.text
    assert charge_id in message.text
    assert "made with stolen card" in message.text
    assert "Refunded" in message.text


def test_the_refund_makes_stripe_send_an_update_that_changes_the_row(
    refund_below: Runtime, stripe_emulator: StripeEmulator, live_app: str
) -> None:
    # Given a warning received and refunded
    _charge_id, warning_id = warn(stripe_emulator, 1500)
    app = live_app
    deliver_events(stripe_emulator, app)
    drain(refund_below)
    # When Stripe announces the warning is no longer actionable (radar.early_fraud_warning.updated)
    assert stripe_emulator.webhooks.wait_idle(timeout=30)
    # Then the row reads unactionable, still refunded once
    row = warning_row(refund_below, warning_id)
    assert (row.actionable, row.decision) == (False, RefundDecision.REFUNDED)
    assert len(stripe_emulator.state.refunds) == 1


@pytest.mark.parametrize(
    ("charge", "decision"),
    [
        ({"amount": 2500}, RefundDecision.NOT_REFUNDED_ABOVE_THRESHOLD),
        ({"amount": 1000, "amount_refunded": 1000}, RefundDecision.NOT_REFUNDED_ALREADY_REFUNDED),
    ],
)
def test_a_charge_the_rule_excludes_is_not_refunded_and_the_row_says_why(
    refund_below: Runtime,
    stripe_emulator: StripeEmulator,
    telegram: TelegramEmulator,
    app_client: TestClient[Any],
    charge: dict[str, Any],
    decision: RefundDecision,
) -> None:
    # Given a warned charge at the threshold, or one refunded already
    _charge_id, warning_id = warn(stripe_emulator, **charge)
    deliver_through(stripe_emulator, app_client)
    # When the worker runs
    drain(refund_below)
    # Then nothing is refunded, the decision is recorded, and the message says why
    assert stripe_emulator.requests_for("POST", REFUNDS) == []
    assert warning_row(refund_below, warning_id).decision is decision
    [message] = telegram.messages
    assert "Not refunded" in message.text


def test_a_disputed_charge_is_not_refunded(
    refund_below: Runtime, stripe_emulator: StripeEmulator, app_client: TestClient[Any]
) -> None:
    # Given a small warned charge that the cardholder disputed before the worker ran
    charge_id, warning_id = warn(stripe_emulator, 1200)
    stripe_emulator.state.add_dispute(charge=charge_id, amount=1200)
    deliver_through(stripe_emulator, app_client)
    # When the worker runs
    drain(refund_below)
    # Then the charge is not refunded, and the dispute is fought as usual
    assert stripe_emulator.requests_for("POST", REFUNDS) == []
    row = warning_row(refund_below, warning_id)
    assert (row.decision, row.amount) == (RefundDecision.NOT_REFUNDED_DISPUTED, "12.00")


def test_unset_never_refunds(
    make_settings: MakeSettings, stripe_env: dict[str, str], stripe_emulator: StripeEmulator
) -> None:
    # Given an engine without DISPUTES_EFW_REFUND_BELOW and a 1.00 USD warned charge
    runtime = engine_for(make_settings, stripe_env)
    try:
        _charge_id, warning_id = warn(stripe_emulator, 100)
        with TestClient(app=create_app(runtime)) as client:
            deliver_through(stripe_emulator, client)
        # When the worker runs
        drain(runtime)
        # Then the warning is recorded with its amount, never refunded
        assert stripe_emulator.requests_for("POST", REFUNDS) == []
        row = warning_row(runtime, warning_id)
        assert (row.decision, row.amount) == (RefundDecision.NOT_REFUNDED_OFF, "1.00")
    finally:
        runtime.close()


@pytest.mark.parametrize("status", ["500", "429"])
def test_a_failing_refund_endpoint_is_retried_later_without_a_second_refund(
    refund_below: Runtime,
    stripe_emulator: StripeEmulator,
    app_client: TestClient[Any],
    fast_retries: None,
    status: str,
) -> None:
    # Given Stripe answers every refund request with an error for longer than the SDK retries
    _charge_id, warning_id = warn(stripe_emulator, 999)
    deliver_through(stripe_emulator, app_client)
    rule = stripe_emulator.faults.add_rule("POST", REFUNDS, status, times=5)
    policy = RefundPolicy(first_delay=timedelta(0))
    # When the worker runs, fails, and runs again once Stripe answers
    Worker(refund_below, idle_seconds=0, warnings=policy).run_once()
    failed = warning_row(refund_below, warning_id)
    assert failed.decision is RefundDecision.REFUND_PENDING
    assert failed.work_error and failed.work_not_before is not None
    drain(refund_below, warnings=policy)
    # Then the refund is made once, every attempt carrying the same idempotency key
    assert rule.struck == 5
    assert len(stripe_emulator.state.refunds) == 1
    keys = {r.idempotency_key for r in stripe_emulator.requests_for("POST", REFUNDS)}
    assert keys == {f"efw-refund-{warning_id}"}
    assert warning_row(refund_below, warning_id).decision is RefundDecision.REFUNDED


def test_a_refund_whose_answer_is_lost_is_replayed_not_repeated(
    refund_below: Runtime,
    stripe_emulator: StripeEmulator,
    app_client: TestClient[Any],
    fast_retries: None,
) -> None:
    # Given Stripe carries out the first refund request, then the connection drops
    _charge_id, warning_id = warn(stripe_emulator, 500)
    deliver_through(stripe_emulator, app_client)
    stripe_emulator.faults.add_rule("POST", REFUNDS, "drop", times=1)
    # When the worker runs (the SDK retries with the same key)
    drain(refund_below, warnings=RefundPolicy(first_delay=timedelta(0)))
    # Then Stripe holds one refund, and the engine recorded it
    [refund] = [owned.object for owned in stripe_emulator.state.refunds.values()]
    assert warning_row(refund_below, warning_id).refund_id == refund["id"]


def test_two_workers_on_each_database_refund_once(
    make_settings: MakeSettings,
    stripe_env: dict[str, str],
    database_url: str,
    stripe_emulator: StripeEmulator,
) -> None:
    # Given ten small warned charges, each warning delivered twice
    runtime = engine_for(
        make_settings, stripe_env, efw_refund_below="25.00", database_url=database_url
    )
    try:
        warned = [warn(stripe_emulator, 1000 + n) for n in range(10)]
        with TestClient(app=create_app(runtime)) as client:
            deliver_through(stripe_emulator, client, times=2)
        # When two workers drain the queue at the same time
        workers = [
            threading.Thread(target=drain, args=(runtime,), name=f"efw-worker-{n}")
            for n in range(2)
        ]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join(timeout=60)
        # Then every charge was refunded exactly once
        refunded = sorted(
            owned.object["charge"] for owned in stripe_emulator.state.refunds.values()
        )
        assert refunded == sorted(charge_id for charge_id, _ in warned)
        decisions = {warning_row(runtime, warning_id).decision for _, warning_id in warned}
        assert decisions == {RefundDecision.REFUNDED}
    finally:
        runtime.close()


def deliver_through(emulator: StripeEmulator, client: TestClient[Any], *, times: int = 1) -> None:
    """Post every event the emulator emitted to the app in-process, signed as Stripe signs,
    ``times`` times each (the webhook route and verification are the real ones)."""
    for owned in list(emulator.state.events.values()):
        body = json.dumps(owned.object).encode()
        for _ in range(times):
            answer = client.post(
                "/webhooks/stripe",
                content=body,
                headers={
                    "Stripe-Signature": sign(body, emulator.webhooks.secret, int(time.time())),
                    "Content-Type": "application/json",
                },
            )
            assert answer.status_code == 200, answer.text
