"""Building a real engine for tests: the test providers loaded as a plugin, a migrated database,
and disputes put into it through the book (the same path webhooks and sync take)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from engine.db.migrate import upgrade
from engine.db.models import EventSource
from engine.disputes.model import Status
from engine.disputes.outcomes import AfterApply
from engine.plugins.manager import Plugins, create_plugin_manager
from engine.runtime import Runtime
from engine.settings import Settings
from tests.support.acme import event_for

ACME_PLUGIN = "tests.support.acme"


def make_runtime(settings: Settings, *, after_apply: Sequence[AfterApply] | None = None) -> Runtime:
    plugins = Plugins(create_plugin_manager(entry_points=False, extra=[ACME_PLUGIN]))
    runtime = Runtime(settings, plugins, after_apply=after_apply)
    upgrade(runtime.database)
    return runtime


def add_dispute(
    runtime: Runtime,
    dispute_id: str,
    status: Status = Status.NEEDS_RESPONSE,
    *,
    provider: str = "acme",
    event_id: str | None = None,
    occurred_at: datetime | None = None,
    **snapshot: object,
) -> int:
    """Apply one event describing ``dispute_id``; returns the dispute's primary key."""
    moment = occurred_at or datetime.now(UTC) - timedelta(minutes=1)
    event = event_for(
        provider,
        event_id or f"evt_{dispute_id}_{status.value}",
        dispute_id,
        status,
        occurred_at=moment,
        **snapshot,  # type: ignore[arg-type]
    )
    return runtime.book.apply_one(event, source=EventSource.WEBHOOK).dispute_pk
