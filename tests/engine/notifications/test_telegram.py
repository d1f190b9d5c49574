"""Telegram notifications: the right words, sent by the worker exactly once, retried with
backoff, and never in the way of a webhook."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from emulators.telegram import TelegramEmulator
from engine.db.models import Dispute, EventSource, NotificationRow
from engine.db.records import read_state
from engine.disputes.model import Status
from engine.errors import ProviderUnavailable, SettingError
from engine.notifications.dispatch import DeliveryPolicy
from engine.notifications.notifier import Notification, NotificationKind
from engine.notifications.telegram import TelegramNotifier
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.worker import Worker
from tests.conftest import TELEGRAM_CHAT, TELEGRAM_TOKEN
from tests.support.acme import WEBHOOK_SECRET
from tests.support.engine import add_dispute, make_runtime
from web.app import create_app

NO_WAIT = DeliveryPolicy(first_delay=timedelta(0), max_attempts=4)


@pytest.fixture
def runtime(make_settings: MakeSettings, telegram: TelegramEmulator) -> Runtime:
    return make_runtime(
        make_settings(
            telegram_bot_token=TELEGRAM_TOKEN,
            telegram_chat_id=TELEGRAM_CHAT,
            telegram_api_base=telegram.url,
            public_url="https://disputes.example.com/",
        )
    )


def notifications(runtime: Runtime) -> list[NotificationRow]:
    with runtime.database.reading() as session:
        return list(session.scalars(select(NotificationRow).order_by(NotificationRow.id)))


def idle_worker(runtime: Runtime, policy: DeliveryPolicy = NO_WAIT) -> Worker:
    return Worker(runtime, lambda *_: None, delivery=policy, idle_seconds=0)


def test_a_new_dispute_is_announced_with_amount_reason_and_respond_by(
    runtime: Runtime, telegram: TelegramEmulator
) -> None:
    respond_by = datetime(2026, 12, 1, 23, 59, tzinfo=UTC)
    add_dispute(runtime, "dp_1", respond_by=respond_by)
    idle_worker(runtime).drain()
    [message] = telegram.messages
    assert message.chat_id == TELEGRAM_CHAT
    assert "798.29 USD" in message.text
    assert "Reason: fraudulent" in message.text
    assert "Respond by: 2026-12-01 23:59 UTC" in message.text
    assert "https://disputes.example.com/disputes/acme/dp_1" in message.text
    [row] = notifications(runtime)
    assert (row.state, row.attempts, row.kind) == ("sent", 1, "new_dispute")
    assert row.sent_at is not None


@pytest.mark.parametrize(
    ("status", "mark"), [(Status.WON, "✅"), (Status.LOST, "❌"), (Status.EXPIRED, "⚠️")]
)
def test_an_outcome_is_announced_with_its_mark(
    runtime: Runtime, telegram: TelegramEmulator, status: Status, mark: str
) -> None:
    add_dispute(runtime, "dp_1")
    add_dispute(runtime, "dp_1", status, occurred_at=datetime.now(UTC))
    idle_worker(runtime).drain()
    outcome = [m.text for m in telegram.messages if m.text.startswith(mark)]
    assert outcome == [
        f"{mark} Dispute {status.value}: 798.29 USD\nacme dp_1 · ada@example.com\n"
        "https://disputes.example.com/disputes/acme/dp_1"
    ]


def test_an_old_closed_dispute_found_by_a_backfill_is_not_news(
    runtime: Runtime, telegram: TelegramEmulator
) -> None:
    add_dispute(runtime, "dp_old", Status.WON, occurred_at=datetime.now(UTC) - timedelta(days=90))
    idle_worker(runtime).drain()
    assert telegram.messages == []


def test_each_notification_is_sent_exactly_once_across_workers_and_reruns(
    make_settings: MakeSettings, runtime: Runtime, telegram: TelegramEmulator
) -> None:
    for n in range(5):
        add_dispute(runtime, f"dp_{n}")
    # the same event delivered again announces nothing new
    add_dispute(runtime, "dp_0")
    idle_worker(runtime).drain()
    second = Runtime(runtime.settings, runtime.plugins)
    idle_worker(second).drain()
    idle_worker(runtime).drain()
    texts = [m.text.splitlines()[1] for m in telegram.messages]
    assert sorted(texts) == sorted(f"acme dp_{n} · ada@example.com" for n in range(5))
    assert {row.state for row in notifications(runtime)} == {"sent"}


def test_429_and_500_are_retried_with_backoff_honouring_retry_after(
    runtime: Runtime, telegram: TelegramEmulator
) -> None:
    add_dispute(runtime, "dp_1")
    telegram.fail_next(429, retry_after=30)
    worker = idle_worker(runtime)
    worker.run_once()
    # then the row waits at least Telegram's retry_after
    [row] = notifications(runtime)
    assert row.state == "pending"
    assert row.attempts == 1
    assert "Too Many Requests" in (row.last_error or "")
    assert row.next_attempt_at is not None
    assert row.next_attempt_at - datetime.now(UTC) > timedelta(seconds=25)
    assert worker.run_once() is False  # nothing due yet
    # when the wait is over, a 500 is retried too, and the third attempt goes through
    _make_due(runtime)
    telegram.fail_next(500)
    worker.run_once()
    _make_due(runtime)
    worker.run_once()
    [row] = notifications(runtime)
    assert (row.state, row.attempts) == ("sent", 3)
    assert len(telegram.messages) == 1
    assert telegram.requests == 3


def test_a_channel_down_for_good_is_given_up_with_the_error_kept(
    runtime: Runtime, telegram: TelegramEmulator
) -> None:
    add_dispute(runtime, "dp_1")
    telegram.fail_next(500, times=10)
    worker = idle_worker(runtime, DeliveryPolicy(first_delay=timedelta(0), max_attempts=3))
    for _ in range(5):
        worker.run_once()
    [row] = notifications(runtime)
    assert (row.state, row.attempts) == ("failed", 3)
    assert row.last_error == "Telegram: Internal Server Error"


def test_a_refusal_is_not_retried(make_settings: MakeSettings, telegram: TelegramEmulator) -> None:
    runtime = make_runtime(
        make_settings(
            telegram_bot_token=TELEGRAM_TOKEN,
            telegram_chat_id="999",  # not a chat the bot is in
            telegram_api_base=telegram.url,
        )
    )
    add_dispute(runtime, "dp_1")
    idle_worker(runtime).drain()
    [row] = notifications(runtime)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.last_error == "Telegram: Bad Request: chat not found"


def test_a_failing_telegram_never_fails_a_webhook(
    runtime: Runtime, telegram: TelegramEmulator
) -> None:
    telegram.fail_next(500, times=100)
    body = msgspec.json.encode(
        {"id": "evt_1", "type": "dispute.updated", "dispute_id": "dp_9", "status": "needs_response"}
    )
    with TestClient(create_app(runtime)) as client:
        response = client.post(
            "/webhooks/acme", content=body, headers={"x-acme-secret": WEBHOOK_SECRET}
        )
    assert response.status_code == 200
    assert telegram.requests == 0  # the webhook only wrote the outbox row
    assert [row.state for row in notifications(runtime)] == ["pending"]


def test_telegram_unreachable_is_a_retryable_failure_that_never_shows_the_token(
    runtime: Runtime,
) -> None:
    pk = add_dispute(runtime, "dp_1")
    with runtime.database.reading() as session:
        state = read_state(session.get_one(Dispute, pk))
    notifier = TelegramNotifier(TELEGRAM_TOKEN, TELEGRAM_CHAT, "http://127.0.0.1:9")  # nobody
    with pytest.raises(ProviderUnavailable) as raised:
        notifier.send(Notification(kind=NotificationKind.NEW_DISPUTE, dispute=state))
    assert TELEGRAM_TOKEN not in str(raised.value)


def test_settings_need_both_token_and_chat(make_settings: MakeSettings) -> None:
    assert TelegramNotifier.from_settings(make_settings()) is None
    with pytest.raises(SettingError, match="DISPUTES_TELEGRAM_CHAT_ID"):
        TelegramNotifier.from_settings(make_settings(telegram_bot_token=TELEGRAM_TOKEN))
    with pytest.raises(SettingError, match="DISPUTES_TELEGRAM_BOT_TOKEN"):
        TelegramNotifier.from_settings(make_settings(telegram_chat_id="1"))
    with pytest.raises(SettingError, match="DISPUTES_TELEGRAM_API_BASE"):
        TelegramNotifier.from_settings(
            make_settings(
                telegram_bot_token=TELEGRAM_TOKEN, telegram_chat_id="1", telegram_api_base="ftp:x"
            )
        )


def _make_due(runtime: Runtime) -> None:
    with runtime.database.transaction() as session:
        for row in session.scalars(select(NotificationRow)):
            row.next_attempt_at = None


@pytest.mark.postgres
def test_two_workers_on_postgresql_send_each_notification_exactly_once(
    make_settings: MakeSettings, telegram: TelegramEmulator, postgres_url: str
) -> None:
    import threading

    settings = make_settings(
        database_url=postgres_url,
        telegram_bot_token=TELEGRAM_TOKEN,
        telegram_chat_id=TELEGRAM_CHAT,
        telegram_api_base=telegram.url,
    )
    setup = make_runtime(settings)
    for n in range(60):
        add_dispute(setup, f"dp_{n}")
    # a few 500s along the way: retried, still once each
    telegram.fail_next(500, times=5)

    def run() -> None:
        runtime = make_runtime(settings)
        worker = Worker(runtime, lambda *_: None, delivery=NO_WAIT, idle_seconds=0)
        worker.drain()
        runtime.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    Worker(setup, lambda *_: None, delivery=NO_WAIT, idle_seconds=0).drain()  # stragglers
    who = sorted(message.text.splitlines()[1] for message in telegram.messages)
    assert who == sorted(f"acme dp_{n} · ada@example.com" for n in range(60))
    assert {row.state for row in notifications(setup)} == {"sent"}
    setup.close()


def test_the_real_pipeline_announces_submitted_and_manual_submission_on_telegram(
    make_settings: MakeSettings, telegram: TelegramEmulator
) -> None:
    from engine.db.migrate import upgrade
    from engine.plugins.manager import Plugins, create_plugin_manager
    from engine.testing import make_dispute_event, make_dispute_state
    from tests.engine.evidence.pipeline.testpay import ProcessorServer

    processor = ProcessorServer()
    runtime = Runtime(
        make_settings(
            telegram_bot_token=TELEGRAM_TOKEN,
            telegram_chat_id=TELEGRAM_CHAT,
            telegram_api_base=telegram.url,
            testpay_api_base=processor.url,
            test_sources="designs",
        ),
        Plugins(
            create_plugin_manager(
                entry_points=False, extra=["tests.engine.evidence.pipeline.testpay"]
            )
        ),
    )
    upgrade(runtime.database)
    try:
        runtime.book.apply_one(make_dispute_event(), source=EventSource.WEBHOOK)
        manual = make_dispute_state(provider="manualpay", dispute_id="mp_1", respond_by=None)
        runtime.book.apply_one(make_dispute_event(manual), source=EventSource.WEBHOOK)
        # when the worker runs the real pipeline and then sends the outbox
        Worker(runtime, delivery=NO_WAIT, idle_seconds=0).drain()
        texts = [message.text for message in telegram.messages]
        headlines = sorted(text.splitlines()[0] for text in texts)
        assert headlines == [
            "Evidence submitted: 798.29 USD",
            "Manual submission needed: 798.29 USD",
            "New chargeback: 798.29 USD",
            "New chargeback: 798.29 USD",
        ]
        assert len(processor.submissions) == 1
        # and running the worker again sends nothing twice
        Worker(runtime, delivery=NO_WAIT, idle_seconds=0).drain()
        assert len(telegram.messages) == 4
    finally:
        runtime.close()
        processor.close()
