"""Reading the engine's books in Paystand tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from engine.db.models import Dispute, DisputeEventRow, WebhookDelivery
from engine.runtime import Runtime


def dispute_row(runtime: Runtime, dispute_id: str) -> Dispute | None:
    with runtime.database.reading() as session:
        return session.scalars(
            select(Dispute).where(Dispute.provider == "paystand", Dispute.dispute_id == dispute_id)
        ).first()


def count_disputes(runtime: Runtime) -> int:
    with runtime.database.reading() as session:
        return session.scalar(select(func.count()).select_from(Dispute)) or 0


def event_ids(runtime: Runtime, dispute_id: str) -> list[str]:
    with runtime.database.reading() as session:
        rows = session.scalars(
            select(DisputeEventRow.event_id)
            .join(Dispute)
            .where(Dispute.dispute_id == dispute_id)
            .order_by(DisputeEventRow.id)
        )
        return list(rows)


def deliveries(runtime: Runtime) -> list[dict[str, Any]]:
    with runtime.database.reading() as session:
        rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))
        return [{"event_id": r.event_id, "outcome": r.outcome, "detail": r.detail} for r in rows]


def stored_events(runtime: Runtime, dispute_id: str) -> dict[str, str | None]:
    """Each stored event id with the Paystand status it recorded, in arrival order."""
    with runtime.database.reading() as session:
        rows = session.execute(
            select(DisputeEventRow.event_id, DisputeEventRow.provider_status)
            .join(Dispute)
            .where(Dispute.dispute_id == dispute_id)
            .order_by(DisputeEventRow.id)
        )
        return dict(rows.all())


def cli_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: dict[str, str], **overrides: str
) -> None:
    """Run ``disputes`` in ``tmp_path`` with the Paystand settings (and ``overrides``) set."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPUTES_DATA_DIR", str(tmp_path / "data"))
    for name, value in {**settings, **overrides}.items():
        monkeypatch.setenv(f"DISPUTES_{name.upper()}", value)
