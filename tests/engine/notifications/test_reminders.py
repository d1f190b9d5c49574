"""Deadline reminders: once per threshold per dispute across workers, with the deadline in the
merchant's time zone, the time left and the link; never for a dispute already answered."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from emulators.telegram import TelegramEmulator
from engine.db.models import NotificationRow
from engine.disputes.model import Status
from engine.errors import SettingError
from engine.notifications.dispatch import DeliveryPolicy
from engine.notifications.reminders import (
    due_threshold,
    queue_reminders,
    reminder_detail,
    time_left,
)
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.worker import Worker
from tests.conftest import TELEGRAM_CHAT, TELEGRAM_TOKEN
from tests.support.engine import add_dispute, make_runtime

T0 = datetime.now(UTC).replace(microsecond=0)
NO_WAIT = DeliveryPolicy(first_delay=timedelta(0), max_attempts=4)


def telegram_settings(telegram: TelegramEmulator, **extra: str) -> dict[str, str]:
    return {
        "telegram_bot_token": TELEGRAM_TOKEN,
        "telegram_chat_id": TELEGRAM_CHAT,
        "telegram_api_base": telegram.url,
        "public_url": "https://disputes.example.com/",
        **extra,
    }


def reminder_keys(runtime: Runtime) -> Counter[str]:
    with runtime.database.reading() as session:
        keys = session.scalars(
            select(NotificationRow.dedupe_key).where(NotificationRow.kind == "reminder")
        )
        return Counter(key.split(":", 1)[1] for key in keys)


def test_the_reminder_names_the_local_deadline_the_time_left_and_the_link(
    make_settings: MakeSettings, telegram: TelegramEmulator
) -> None:
    runtime = make_runtime(make_settings(**telegram_settings(telegram, timezone="Europe/Berlin")))
    respond_by = datetime(2026, 12, 8, 14, 0, tzinfo=UTC)
    add_dispute(runtime, "dp_1", occurred_at=T0, respond_by=respond_by)
    clock = respond_by - timedelta(hours=23, minutes=30)
    worker = Worker(runtime, lambda *_: None, delivery=NO_WAIT, idle_seconds=0, clock=lambda: clock)
    worker.drain()
    [reminder] = [m.text for m in telegram.messages if "deadline near" in m.text]
    assert reminder.splitlines() == [
        "⏰ Not answered yet, deadline near: 798.29 USD",
        "acme dp_1 · ada@example.com",
        "Reason: fraudulent",
        "Respond by: Tue 08 Dec 2026 15:00 CET (Europe/Berlin)",
        "Time left: 23 hours 30 minutes",
        "https://disputes.example.com/disputes/acme/dp_1",
    ]


def _race(runtime_for: list[Runtime], instants: list[datetime]) -> None:
    """Each runtime's worker looks for reminders at every instant, all at once, many times."""
    barrier = threading.Barrier(len(runtime_for))
    failures: list[BaseException] = []

    def run(runtime: Runtime, name: str) -> None:
        now = [instants[0]]
        worker = Worker(
            runtime,
            lambda *_: None,
            worker_id=name,
            remind_every=timedelta(0),
            clock=lambda: now[0],
        )
        try:
            for instant in instants:
                now[0] = instant
                barrier.wait(30)
                for _ in range(5):
                    worker.remind_if_due()
        except BaseException as error:  # reported by the test thread
            failures.append(error)
            barrier.abort()

    threads = [
        threading.Thread(target=run, args=(runtime, f"w{n}"))
        for n, runtime in enumerate(runtime_for)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert failures == []


def _reminders_once_across_two_workers(
    make_settings: MakeSettings, telegram: TelegramEmulator, database_url: str
) -> None:
    settings = telegram_settings(telegram, database_url=database_url)
    setup = make_runtime(make_settings(**settings))
    # given disputes with deadlines 100 h, 10 h and 200 h away, and one already answered
    add_dispute(setup, "dp_far", respond_by=T0 + timedelta(hours=100))
    add_dispute(setup, "dp_near", respond_by=T0 + timedelta(hours=10))
    add_dispute(setup, "dp_later", respond_by=T0 + timedelta(hours=200))
    add_dispute(setup, "dp_answered", Status.UNDER_REVIEW, respond_by=T0 + timedelta(hours=5))
    workers = [make_runtime(make_settings(**settings)) for _ in range(2)]
    # when two workers race through the same moments: now, 70 h, 20 h and 0 h before dp_far's
    # deadline, and after it
    _race(workers, [T0 + timedelta(hours=h) for h in (0, 30, 80, 100, 101)])
    # then each threshold crossed was queued exactly once per dispute, the tightest only
    assert reminder_keys(setup) == {
        "dp_far:reminder:72h": 1,
        "dp_far:reminder:24h": 1,
        "dp_near:reminder:24h": 1,
    }
    # and sending sends each once
    Worker(setup, lambda *_: None, delivery=NO_WAIT, idle_seconds=0, clock=lambda: T0).drain()
    sent = Counter(m.text.splitlines()[1] for m in telegram.messages if "deadline" in m.text)
    assert sent == {"acme dp_far · ada@example.com": 2, "acme dp_near · ada@example.com": 1}
    for runtime in (*workers, setup):
        runtime.close()


@pytest.mark.postgres
def test_two_workers_on_postgresql_remind_once_per_threshold(
    make_settings: MakeSettings, telegram: TelegramEmulator, postgres_url: str
) -> None:
    _reminders_once_across_two_workers(make_settings, telegram, postgres_url)


def test_two_workers_on_sqlite_remind_once_per_threshold(
    make_settings: MakeSettings, telegram: TelegramEmulator, tmp_path: object
) -> None:
    _reminders_once_across_two_workers(make_settings, telegram, f"sqlite:///{tmp_path}/r.db")


def test_no_reminders_when_turned_off_or_without_a_channel(
    make_settings: MakeSettings, telegram: TelegramEmulator
) -> None:
    off = make_runtime(make_settings(**telegram_settings(telegram, remind_before_hours="off")))
    add_dispute(off, "dp_1", respond_by=T0 + timedelta(hours=1))
    assert queue_reminders(off, T0) == 0
    silent = make_runtime(make_settings())
    add_dispute(silent, "dp_1", respond_by=T0 + timedelta(hours=1))
    assert queue_reminders(silent, T0) == 0
    assert reminder_keys(off) == reminder_keys(silent) == Counter()


@given(
    thresholds=st.sets(st.integers(1, 500), min_size=1, max_size=5),
    minutes_left=st.integers(-1000, 40_000),
)
def test_the_threshold_due_is_the_tightest_one_the_deadline_is_within(
    thresholds: set[int], minutes_left: int
) -> None:
    ordered = tuple(sorted(thresholds, reverse=True))
    left = timedelta(minutes=minutes_left)
    due = due_threshold(ordered, T0 + left, T0)
    within = [h for h in thresholds if timedelta(0) < left <= timedelta(hours=h)]
    assert due == (min(within) if within else None)


@pytest.mark.parametrize(
    ("left", "words"),
    [
        (timedelta(days=2, hours=3, minutes=59), "2 days 3 hours"),
        (timedelta(days=1), "1 day"),
        (timedelta(hours=1, minutes=1), "1 hour 1 minute"),
        (timedelta(minutes=59, seconds=59), "59 minutes"),
        (timedelta(seconds=-5), "0 minutes"),
    ],
)
def test_time_left_rounds_down(left: timedelta, words: str) -> None:
    assert time_left(left) == words


def test_the_deadline_reads_in_summer_and_winter_time() -> None:
    zone = ZoneInfo("America/New_York")
    summer = reminder_detail(
        datetime(2026, 7, 1, 16, 0, tzinfo=UTC), datetime(2026, 7, 1, tzinfo=UTC), zone
    )
    assert summer.splitlines()[0] == "Respond by: Wed 01 Jul 2026 12:00 EDT (America/New_York)"
    winter = reminder_detail(
        datetime(2026, 1, 1, 16, 0, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC), zone
    )
    assert winter.splitlines() == [
        "Respond by: Thu 01 Jan 2026 11:00 EST (America/New_York)",
        "Time left: 16 hours",
    ]


@pytest.mark.parametrize(
    ("value", "hours"),
    [(None, (72, 24)), ("24,72", (72, 24)), (" 6 , 6,48", (48, 6)), ("off", ()), ("0", ())],
)
def test_remind_before_hours_parses(
    make_settings: MakeSettings, value: str | None, hours: tuple[int, ...]
) -> None:
    values = {} if value is None else {"remind_before_hours": value}
    assert make_settings(**values).remind_before_hours == hours


@pytest.mark.parametrize("value", ["72,", "1.5", "-3", "72,0", "soon"])
def test_a_bad_remind_before_hours_names_the_variable(
    make_settings: MakeSettings, value: str
) -> None:
    with pytest.raises(SettingError, match="DISPUTES_REMIND_BEFORE_HOURS"):
        make_settings(remind_before_hours=value)
