"""The Paystand paths on PostgreSQL too (the scale-out database): webhooks delivered out of
order and concurrently, and a sync, against a real server."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from emulators.paystand import PaystandEmulator
from engine.db.migrate import upgrade
from engine.disputes.sync import sync_provider
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.providers.paystand.helpers import count_disputes, dispute_row, event_ids

pytestmark = pytest.mark.postgres


@pytest.fixture
def runtime(
    make_settings: MakeSettings, paystand_settings: dict[str, str], postgres_url: str
) -> Iterator[Runtime]:
    engine = Runtime(make_settings(database_url=postgres_url, **paystand_settings))
    upgrade(engine.database)
    yield engine
    engine.close()


def test_documented_events_out_of_order_and_concurrent_on_postgres(
    live_app: Any,
    emulator: PaystandEmulator,
    sample_events: list[dict[str, Any]],
    seed_samples: Any,
) -> None:
    seed_samples()
    created, processing = sample_events
    deliveries = [processing, created] * 4
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(emulator.deliver, deliveries))
    assert answers == [200] * 8
    row = dispute_row(live_app.runtime, "l0j286qvs32jp1hcybcfpe7n")
    assert row is not None
    assert (row.status, row.amount, row.fees) == (
        "received",
        "798.29",
        [{"amount": "35.00", "currency": "USD"}],
    )
    assert len(event_ids(live_app.runtime, "l0j286qvs32jp1hcybcfpe7n")) == 2


def test_sync_on_postgres(runtime: Runtime, emulator: PaystandEmulator) -> None:
    for _ in range(120):
        emulator.state.create_dispute()
    emulator.state.faults.error_rate = 0.1
    assert sync_provider(runtime, "paystand").new == 120
    assert sync_provider(runtime, "paystand").new == 0
    assert count_disputes(runtime) == 120
