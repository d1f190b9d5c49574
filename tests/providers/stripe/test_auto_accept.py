"""``DISPUTES_ACCEPT_BELOW`` at Stripe: a dispute below the threshold is closed once by the
worker instead of fought; one at or above it gets evidence work; unset accepts nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from emulators.stripe import StripeEmulator
from engine.db.migrate import upgrade
from engine.db.models import Dispute
from engine.disputes.sync import sync_provider
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.queue import WorkReason
from engine.work.worker import Worker

CLOSE = r"/v1/disputes/dp_\w+/close"


@pytest.fixture
def runtime(make_settings: MakeSettings, stripe_env: dict[str, str]) -> Iterator[Runtime]:
    engine = Runtime(make_settings(accept_below="25.00", auto_submit="false", **stripe_env))
    upgrade(engine.database)
    yield engine
    engine.close()


def row(runtime: Runtime, dispute_id: str) -> Dispute:
    with runtime.database.reading() as session:
        return session.scalars(select(Dispute).where(Dispute.dispute_id == dispute_id)).one()


def test_a_dispute_below_the_threshold_is_accepted_once_by_the_workers(
    runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    # Given a 24.99 USD dispute, seen twice (a sync, then the sync again)
    small = str(stripe_emulator.state.add_dispute(amount=2499)["id"])
    sync_provider(runtime, "stripe")
    sync_provider(runtime, "stripe")
    assert row(runtime, small).work_reason == WorkReason.ACCEPT
    # When two workers drain the queue
    for _ in range(2):
        Worker(runtime, idle_seconds=0).drain()
    # Then Stripe closed it once, and it reads accepted with no evidence built
    closes = stripe_emulator.requests_for("POST", CLOSE)
    assert len(closes) == 1
    accepted = row(runtime, small)
    assert (accepted.status, accepted.evidence_state) == ("accepted", "none")
    assert stripe_emulator.state.dispute(small)["status"] == "lost"


def test_a_dispute_at_the_threshold_is_fought(
    runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    at_threshold = str(stripe_emulator.state.add_dispute(amount=2500)["id"])
    sync_provider(runtime, "stripe")
    assert row(runtime, at_threshold).work_reason == WorkReason.RESPOND


def test_unset_accepts_nothing(
    make_settings: MakeSettings, stripe_env: dict[str, str], stripe_emulator: StripeEmulator
) -> None:
    engine = Runtime(make_settings(auto_submit="false", **stripe_env))
    upgrade(engine.database)
    try:
        tiny = str(stripe_emulator.state.add_dispute(amount=100)["id"])
        sync_provider(engine, "stripe")
        assert row(engine, tiny).work_reason == WorkReason.RESPOND
    finally:
        engine.close()
