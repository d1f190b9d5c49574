"""Retention of webhook deliveries the engine made nothing of (DELIVERY_RETENTION_DAYS).

Ignored deliveries (events about other things) and rejected ones (kept so a person can see why)
are useful for a while and then only cost space; applied and duplicate deliveries are the
record of what changed a dispute and are never pruned. The worker prunes in small batches,
each its own transaction, so pruning never holds a long lock on a busy table.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select

from engine.db.database import Database
from engine.db.models import WebhookDelivery, WebhookOutcome
from engine.settings import Settings, parse_int

DEFAULT_DAYS = 30
PRUNABLE = (WebhookOutcome.IGNORED, WebhookOutcome.REJECTED)
BATCH = 1_000


def retention_days(settings: Settings) -> int:
    """Days to keep ignored and rejected deliveries; 0 keeps them forever."""
    return parse_int(
        settings.get("DELIVERY_RETENTION_DAYS"),
        "DISPUTES_DELIVERY_RETENTION_DAYS",
        default=DEFAULT_DAYS,
    )


def prune_deliveries(database: Database, now: datetime, days: int, *, batch: int = BATCH) -> int:
    """Delete ignored and rejected deliveries received more than ``days`` days before ``now``.
    Returns how many were deleted; ``days == 0`` deletes nothing."""
    if days <= 0:
        return 0
    cutoff = now - timedelta(days=days)
    deleted = 0
    while True:
        with database.transaction() as session:
            ids = list(
                session.scalars(
                    select(WebhookDelivery.id)
                    .where(
                        WebhookDelivery.received_at < cutoff,
                        WebhookDelivery.outcome.in_(PRUNABLE),
                    )
                    .limit(batch)
                )
            )
            if ids:
                session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
        deleted += len(ids)
        if len(ids) < batch:
            return deleted
