"""DISPUTES_DELIVERY_RETENTION_DAYS: the worker drops old ignored/rejected deliveries and
nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.db.base import utcnow
from engine.db.models import WebhookDelivery
from engine.errors import SettingError
from engine.retention import prune_deliveries, retention_days
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.worker import Worker
from tests.support.engine import make_runtime


def seed(runtime: Runtime) -> None:
    now = utcnow()
    with runtime.database.transaction() as session:
        for outcome in ("ignored", "rejected", "applied", "duplicate"):
            for age in (40, 10):
                session.add(
                    WebhookDelivery(
                        provider="acme",
                        body=b"{}",
                        outcome=outcome,
                        received_at=now - timedelta(days=age),
                        detail=f"{outcome} {age}",
                    )
                )


def kept(runtime: Runtime) -> set[str]:
    with runtime.database.reading() as session:
        return {str(d) for d in session.scalars(select(WebhookDelivery.detail))}


def test_the_worker_prunes_only_old_ignored_and_rejected(make_settings: MakeSettings) -> None:
    runtime = make_runtime(make_settings(delivery_retention_days="30"))
    seed(runtime)
    worker = Worker(runtime, idle_seconds=0)
    worker.run_once()
    assert kept(runtime) == {
        "ignored 10",
        "rejected 10",
        "applied 40",
        "applied 10",
        "duplicate 40",
        "duplicate 10",
    }
    assert worker.prune_if_due() == 0  # not again within the hour


def test_zero_keeps_everything_and_batches_cover_all(make_settings: MakeSettings) -> None:
    runtime = make_runtime(make_settings(delivery_retention_days="0"))
    seed(runtime)
    assert retention_days(runtime.settings) == 0
    assert prune_deliveries(runtime.database, utcnow(), 0) == 0
    assert len(kept(runtime)) == 8
    assert prune_deliveries(runtime.database, utcnow(), 30, batch=1) == 2


def test_a_bad_value_is_named(make_settings: MakeSettings) -> None:
    runtime = make_runtime(make_settings(delivery_retention_days="soon"))
    with pytest.raises(SettingError, match="DISPUTES_DELIVERY_RETENTION_DAYS"):
        retention_days(runtime.settings)
