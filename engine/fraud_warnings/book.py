"""Storing early fraud warnings: one row per warning, whatever the deliveries.

Every delivery is kept (``webhook_deliveries``) like a dispute event's. The warning row is
inserted once (unique on provider + warning id, ``ON CONFLICT DO NOTHING``), so duplicates and
two processes receiving the same event at once leave one row; a later description of the same
warning (``…updated``) updates it, in any order: a warning that stopped being actionable
stays so, and an older description never overwrites a newer one. A new row is due
for the worker at once: it reads the charge and decides (:mod:`engine.fraud_warnings.refund`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.db import dialect
from engine.db.base import utcnow
from engine.db.database import Database
from engine.db.fraud_warnings import EarlyFraudWarning
from engine.db.models import WebhookOutcome
from engine.db.records import new_delivery
from engine.fraud_warnings.model import FraudWarning, RefundDecision
from engine.plugins.provider import FraudWarningReceived


@dataclass(frozen=True)
class WarningOutcome:
    """What one delivery did: ``applied`` (a new warning or a change) or ``duplicate``."""

    outcome: WebhookOutcome
    new_warning: bool


class FraudWarningBook:
    """The engine's record of early fraud warnings; the only writer of new rows."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def record_delivery(
        self, provider: str, verdict: FraudWarningReceived, body: bytes
    ) -> WarningOutcome:
        """Store one webhook delivery and the warning it describes, in one transaction."""
        with self.database.transaction() as session:
            delivery = new_delivery(
                provider,
                body,
                WebhookOutcome.APPLIED,
                event_id=verdict.event_id,
                event_type=verdict.event_type,
            )
            session.add(delivery)
            new, changed = self.record(session, verdict.warning)
            if not changed:
                delivery.outcome = WebhookOutcome.DUPLICATE
            return WarningOutcome(delivery.outcome, new)

    def record(self, session: Session, warning: FraudWarning) -> tuple[bool, bool]:
        """Insert or update ``warning`` inside the caller's transaction: ``(new, changed)``."""
        now = utcnow()
        inserted = session.execute(
            dialect.insert(session, EarlyFraudWarning)
            .values(
                provider=warning.provider,
                warning_id=warning.warning_id,
                account=warning.account,
                charge_id=warning.charge_id,
                payment_id=warning.payment_id,
                fraud_type=warning.fraud_type,
                actionable=warning.actionable,
                created_at=warning.created_at,
                observed_at=warning.observed_at,
                decision=RefundDecision.RECORDED,
                first_seen_at=now,
                updated_at=now,
                work_not_before=now,
                work_attempts=0,
            )
            .on_conflict_do_nothing(index_elements=["provider", "warning_id"])
            .returning(EarlyFraudWarning.id)
        ).scalar_one_or_none()
        if inserted is not None:
            return True, True
        row = session.scalars(
            select(EarlyFraudWarning)
            .where(
                EarlyFraudWarning.provider == warning.provider,
                EarlyFraudWarning.warning_id == warning.warning_id,
            )
            .with_for_update()
        ).one()
        # Order-independent: a warning only ever stops being actionable (disputed, refunded),
        # so "not actionable" wins whatever order the events come in (Stripe's events share a
        # second more often than not); anything else follows the newer description.
        actionable = row.actionable and warning.actionable
        newer = warning.observed_at > row.observed_at
        fraud_type = warning.fraud_type if newer else row.fraud_type
        changed = (actionable, fraud_type) != (row.actionable, row.fraud_type)
        row.observed_at = max(row.observed_at, warning.observed_at)
        if changed:
            row.actionable, row.fraud_type, row.updated_at = actionable, fraud_type, now
        return False, changed
