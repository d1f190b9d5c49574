"""Packed columns: what the engine writes now is compressed, and rows written before packing
are still read as they were."""

from __future__ import annotations

from datetime import UTC, datetime

from msgspec import to_builtins
from sqlalchemy import select, update

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute, DisputeEventRow, EventSource, WebhookDelivery
from engine.db.packing import ZLIB, unpack_body
from engine.db.records import decode_event, read_state
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import Status
from engine.plugins.provider import Accepted
from tests.support.acme import event_for

RAW = {"id": "dp_1", "status": "raw_needs_response", "evidence": {"receipt": None}}


def test_events_raw_objects_and_bodies_are_stored_packed(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    event = event_for("acme", "evt_1", "dp_1", Status.NEEDS_RESPONSE)
    body = b'{"id": "evt_1", "object": "event"}' * 20
    DisputeBook(database).record_delivery(
        "acme", Accepted(event_id="evt_1", event_type="dispute.updated", events=(event,)), body
    )
    with database.reading() as session:
        stored = session.scalars(select(DisputeEventRow)).one()
        dispute = session.scalars(select(Dispute)).one()
        delivery = session.scalars(select(WebhookDelivery)).one()
        assert stored.payload is None and stored.packed is not None
        assert decode_event(stored) == event
        assert dispute.raw is None and dispute.raw_packed is not None
        assert read_state(dispute).raw_dispute == event.raw_dispute
        assert delivery.body_encoding == ZLIB and len(delivery.body) < len(body)
        assert unpack_body(delivery.body, delivery.body_encoding) == body


def test_rows_written_before_packing_are_read_as_they_were(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    event = event_for(
        "acme", "evt_1", "dp_1", Status.NEEDS_RESPONSE, occurred_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    DisputeBook(database).apply_one(event, source=EventSource.WEBHOOK)
    with database.transaction() as session:
        stored = session.scalars(select(DisputeEventRow)).one()
        plain = decode_event(stored)
        # as the engine wrote them before 0007: the plain JSON columns, nothing packed
        session.execute(update(DisputeEventRow).values(payload=to_builtins(plain), packed=None))
        session.execute(update(Dispute).values(raw=RAW, raw_packed=None))
    with database.reading() as session:
        assert decode_event(session.scalars(select(DisputeEventRow)).one()) == event
        assert read_state(session.scalars(select(Dispute)).one()).raw_dispute == RAW
    assert unpack_body(b"as received", None) == b"as received"
