"""What the engine announces by itself as events arrive — through webhooks and sync alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from engine.db.models import EventSource, NotificationRow
from engine.disputes.model import Stage, Status
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.support.acme import event_for
from tests.support.engine import add_dispute, make_runtime

NOW = datetime.now(UTC)


def announced(runtime: Runtime) -> list[tuple[str, str, str | None]]:
    with runtime.database.reading() as session:
        rows = session.scalars(select(NotificationRow).order_by(NotificationRow.id))
        return [(row.kind, row.dedupe_key.split(":", 2)[2], row.message) for row in rows]


def with_telegram(make_settings: MakeSettings) -> Runtime:
    return make_runtime(make_settings(telegram_bot_token="1:AA", telegram_chat_id="42"))


def test_nothing_is_queued_without_a_configured_channel(make_settings: MakeSettings) -> None:
    runtime = make_runtime(make_settings())
    add_dispute(runtime, "dp_1")
    add_dispute(runtime, "dp_1", Status.WON, occurred_at=NOW)
    assert announced(runtime) == []


def test_a_new_dispute_and_its_outcome_are_each_announced_once(
    make_settings: MakeSettings,
) -> None:
    runtime = with_telegram(make_settings)
    add_dispute(runtime, "dp_1", occurred_at=NOW - timedelta(hours=2))
    add_dispute(runtime, "dp_1", Status.UNDER_REVIEW, occurred_at=NOW - timedelta(hours=1))
    add_dispute(runtime, "dp_1", Status.WON, occurred_at=NOW)
    add_dispute(runtime, "dp_1", Status.WON, occurred_at=NOW)  # the same event again
    add_dispute(runtime, "dp_1", Status.WON, event_id="evt_again", occurred_at=NOW)
    assert announced(runtime) == [
        ("new_dispute", "new_dispute:new", None),
        ("outcome", "outcome:chargeback:won", "won"),
    ]


def test_an_escalation_announces_the_outcome_of_each_stage(make_settings: MakeSettings) -> None:
    runtime = with_telegram(make_settings)
    add_dispute(runtime, "dp_1", Status.LOST, occurred_at=NOW - timedelta(days=1))
    runtime.book.apply_one(
        event_for("acme", "evt_pre", "dp_1", Status.WON, occurred_at=NOW,
                  stage=Stage.PRE_ARBITRATION),
        source=EventSource.WEBHOOK,
    )  # fmt: skip
    assert [key for _, key, _ in announced(runtime)] == [
        "new_dispute:new",
        "outcome:chargeback:lost",
        "outcome:pre_arbitration:won",
    ]


def test_sync_announces_like_webhooks(make_settings: MakeSettings) -> None:
    runtime = with_telegram(make_settings)
    runtime.book.apply_one(
        event_for("acme", "snap_1", "dp_9", Status.NEEDS_RESPONSE), source=EventSource.SYNC
    )
    assert announced(runtime) == [("new_dispute", "new_dispute:new", None)]


def test_a_broken_notifier_setting_never_costs_the_change(make_settings: MakeSettings) -> None:
    # given a chat id without a bot token (start-up refuses it; here the runtime is built anyway)
    runtime = make_runtime(make_settings(telegram_chat_id="42"))
    pk = add_dispute(runtime, "dp_1")
    assert pk > 0
    assert announced(runtime) == []
