"""A provider without the ``supports_refund`` capability (Paystand, the test providers) is never
asked to refund: the warning is recorded as not refunded, and announced."""

from __future__ import annotations

from sqlalchemy import select

from emulators.telegram import TelegramEmulator
from engine.db.base import utcnow
from engine.db.fraud_warnings import EarlyFraudWarning
from engine.db.models import NotificationRow
from engine.fraud_warnings.model import FraudWarning, RefundDecision
from engine.testing import MakeSettings
from engine.work.worker import Worker
from tests.conftest import TELEGRAM_CHAT, TELEGRAM_TOKEN
from tests.support.engine import make_runtime
from tests.support.fraud_warnings import add_warning


def test_a_provider_that_cannot_refund_records_why(
    make_settings: MakeSettings, telegram: TelegramEmulator
) -> None:
    # Given an engine with a refund threshold and a warning from a provider that cannot refund
    runtime = make_runtime(
        make_settings(
            efw_refund_below="100.00",
            telegram_bot_token=TELEGRAM_TOKEN,
            telegram_chat_id=TELEGRAM_CHAT,
            telegram_api_base=telegram.url,
        )
    )
    try:
        with runtime.database.transaction() as session:
            warning = FraudWarning(
                provider="acme",
                warning_id="issfr_acme",
                charge_id="ch_acme",
                fraud_type="misc",
                actionable=True,
                created_at=utcnow(),
                observed_at=utcnow(),
            )
            runtime.fraud_warnings.record(session, warning)
        # When the worker runs
        Worker(runtime, idle_seconds=0).drain()
        # Then nothing was asked of the provider, and the decision says why, announced once
        with runtime.database.reading() as session:
            row = session.scalars(select(EarlyFraudWarning)).one()
            notes = session.scalars(select(NotificationRow)).all()
        assert row.decision is RefundDecision.NOT_REFUNDED_UNSUPPORTED
        assert row.decision_detail and "cannot refund" in row.decision_detail
        assert row.work_not_before is None
        assert [(n.kind, n.fraud_warning_pk, n.dispute_pk, n.state) for n in notes] == [
            ("fraud_warning", row.id, None, "sent")
        ]
        [message] = telegram.messages
        assert "Not refunded: the processor cannot refund by API." in message.text
    finally:
        runtime.close()


def test_a_decided_warning_is_not_worked_again(make_settings: MakeSettings) -> None:
    runtime = make_runtime(make_settings(efw_refund_below="100.00"))
    try:
        add_warning(runtime, "issfr_done", decision=RefundDecision.REFUNDED, refund_id="re_1")
        assert Worker(runtime, idle_seconds=0).drain() == 0
    finally:
        runtime.close()
