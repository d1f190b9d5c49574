"""``DISPUTES_ACCEPT_BELOW`` at Paystand (no accept API): the decision is recorded once by the
worker, the dispute reads accepted and no evidence is prepared; nothing is sent to Paystand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from emulators.paystand import PaystandEmulator
from engine.db.migrate import upgrade
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.queue import WorkReason
from engine.work.worker import Worker
from tests.providers.paystand.conftest import LiveApp
from tests.providers.paystand.helpers import dispute_row


@pytest.fixture
def runtime(make_settings: MakeSettings, paystand_settings: dict[str, str]) -> Iterator[Runtime]:
    engine = Runtime(make_settings(accept_below="50", **paystand_settings))
    upgrade(engine.database)
    yield engine
    engine.close()


def active_dispute(emulator: PaystandEmulator, amount: str) -> dict[str, Any]:
    """A dispute for ``amount`` delivered created, processing, then active (needs a response)."""
    dispute, created = emulator.state.create_dispute(amount=amount)
    for body in (
        created,
        emulator.state.transition(dispute["id"], "processing"),
        emulator.state.transition(dispute["id"], "active"),
    ):
        assert emulator.deliver(body) == 200
    return dispute


def test_a_small_paystand_dispute_is_accepted_without_evidence(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    dispute = active_dispute(emulator, "49.99")
    queued = dispute_row(live_app.runtime, dispute["id"])
    assert queued is not None and queued.work_reason == WorkReason.ACCEPT
    requests_before = list(emulator.state.requests)
    Worker(live_app.runtime, idle_seconds=0).drain()
    accepted = dispute_row(live_app.runtime, dispute["id"])
    assert accepted is not None
    assert (accepted.status, accepted.evidence_state) == ("accepted", "none")
    assert emulator.state.requests == requests_before  # Paystand has no accept API


def test_a_paystand_dispute_above_the_threshold_is_fought(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    dispute = active_dispute(emulator, "50.00")
    fought = dispute_row(live_app.runtime, dispute["id"])
    assert fought is not None and fought.work_reason == WorkReason.RESPOND
