"""What ingest records besides the state: the dispute's last change time, and the delivery's
event id, type and reason (the dashboard's order and the audit trail rely on them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute, DisputeEventRow, EventSource, WebhookDelivery
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import (
    Described,
    DisputeEvent,
    DisputeSnapshot,
    Funds,
    FundsMoved,
    Money,
    Reason,
    Stage,
    Status,
)
from engine.plugins.provider import Accepted, Ignored, Rejected
from tests.engine.strategies import BASE

LONG_AGO = BASE - timedelta(days=365)


def dispute_event(event_id: str, status: Status, seconds: int = 0) -> DisputeEvent:
    return Described(
        provider="acme",
        event_id=event_id,
        dispute_id="dp_1",
        type="dispute.updated",
        occurred_at=BASE + timedelta(seconds=seconds),
        snapshot=DisputeSnapshot(
            stage=Stage.CHARGEBACK,
            status=status,
            provider_status=status.value,
            reason=Reason.FRAUDULENT,
            provider_reason="fraudulent",
            money=Money(amount=Decimal("49.00"), currency="USD"),
            funds=Funds.DEBITED,
        ),
    )


@pytest.fixture
def book(database_url: str) -> DisputeBook:
    database = Database(database_url)
    upgrade(database)
    return DisputeBook(database)


def backdate(book: DisputeBook) -> None:
    with book.database.transaction() as session:
        session.execute(update(Dispute).values(updated_at=LONG_AGO))


def updated_at(book: DisputeBook) -> datetime:
    with book.database.reading() as session:
        return session.scalars(select(Dispute.updated_at)).one().replace(tzinfo=None)


def test_a_change_refreshes_the_disputes_updated_at(book: DisputeBook) -> None:
    # Given a dispute last changed long ago
    book.apply_one(dispute_event("evt_1", Status.NEEDS_RESPONSE), source=EventSource.WEBHOOK)
    backdate(book)
    # When an event changes its state
    book.apply_one(
        dispute_event("evt_2", Status.UNDER_REVIEW, seconds=10), source=EventSource.WEBHOOK
    )
    # Then its updated_at moves forward (the dashboard orders by it)
    assert updated_at(book) > LONG_AGO.replace(tzinfo=None)


def test_a_duplicate_event_leaves_updated_at_alone(book: DisputeBook) -> None:
    book.apply_one(dispute_event("evt_1", Status.NEEDS_RESPONSE), source=EventSource.WEBHOOK)
    backdate(book)
    book.apply_one(dispute_event("evt_1", Status.NEEDS_RESPONSE), source=EventSource.WEBHOOK)
    assert updated_at(book) == LONG_AGO.replace(tzinfo=None)


def deliveries(book: DisputeBook) -> list[tuple[str | None, str | None, str, str | None]]:
    with book.database.reading() as session:
        rows = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        return [(r.event_id, r.event_type, r.outcome, r.detail) for r in rows]


def test_the_delivery_record_keeps_event_id_type_and_reason(book: DisputeBook) -> None:
    # Given an applied, an ignored and a rejected delivery
    event = dispute_event("evt_1", Status.NEEDS_RESPONSE)
    book.record_delivery(
        "acme", Accepted(event_id="evt_1", event_type="dispute.updated", events=(event,)), b"{}"
    )
    book.record_delivery(
        "acme",
        Ignored(event_id="evt_2", event_type="charge.succeeded", reason="not a dispute event"),
        b"{}",
    )
    book.record_delivery(
        "acme", Rejected(status_code=400, reason="signature refused", store=True), b"x"
    )
    # Then each record says which event it was, of which type, and why it was not applied
    assert deliveries(book) == [
        ("evt_1", "dispute.updated", "applied", None),
        ("evt_2", "charge.succeeded", "ignored", "not a dispute event"),
        (None, None, "rejected", "signature refused"),
    ]


def test_record_delivery_answers_what_became_of_each_delivery(book: DisputeBook) -> None:
    event = dispute_event("evt_1", Status.NEEDS_RESPONSE)
    accepted = Accepted(event_id="evt_1", event_type="dispute.updated", events=(event,))
    assert book.record_delivery("acme", accepted, b"{}").outcome == "applied"
    assert book.record_delivery("acme", accepted, b"{}").outcome == "duplicate"
    ignored = Ignored(event_id="evt_2", event_type="charge.succeeded", reason="not ours")
    assert book.record_delivery("acme", ignored, b"{}").outcome == "ignored"
    rejected = Rejected(status_code=400, reason="signature refused", store=True)
    assert book.record_delivery("acme", rejected, b"x").outcome == "rejected"


def test_a_stored_event_keeps_the_processors_own_status_word(book: DisputeBook) -> None:
    book.apply_one(dispute_event("evt_1", Status.UNDER_REVIEW), source=EventSource.WEBHOOK)
    with book.database.reading() as session:
        stored = session.scalars(select(DisputeEventRow)).one()
        assert (stored.status, stored.provider_status) == ("under_review", "under_review")


def test_a_money_only_event_cannot_open_a_dispute(book: DisputeBook) -> None:
    funds_only = FundsMoved(
        provider="acme",
        event_id="evt_funds",
        dispute_id="dp_new",
        type="dispute.funds_withdrawn",
        occurred_at=BASE,
        funds=Funds.DEBITED,
    )
    with pytest.raises(ValueError, match="does not describe dispute dp_new"):
        book.apply_one(funds_only, source=EventSource.WEBHOOK)
    with book.database.reading() as session:
        assert session.scalars(select(Dispute)).all() == []
