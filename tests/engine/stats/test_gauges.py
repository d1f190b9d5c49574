"""The operator's gauges (``GET /metrics``), on both databases, against a database whose every
figure is known: disputes by status, evidence states, deliveries of the last hour, the work
queue and the notification backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import (
    Dispute,
    EventSource,
    EvidenceState,
    NotificationRow,
    NotificationState,
    WebhookDelivery,
    WebhookOutcome,
    WorkState,
)
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import Status
from engine.stats.gauges import read_gauges
from tests.support.acme import event_for

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

#  dispute  provider  status                evidence                  work      due in (s)
DISPUTES = [
    ("d1", "acme", Status.NEEDS_RESPONSE, EvidenceState.SUBMITTED, WorkState.IDLE, None),
    ("d2", "acme", Status.WON, EvidenceState.NONE, WorkState.CLAIMED, -60),  # lease expired
    ("d3", "acme", Status.NEEDS_RESPONSE, EvidenceState.READY, WorkState.QUEUED, -300),
    ("d4", "handpay", Status.LOST, EvidenceState.MANUAL_REQUIRED, WorkState.CLAIMED, 600),
    ("d5", "acme", Status.NEEDS_RESPONSE, EvidenceState.FAILED, WorkState.QUEUED, 3600),
]
#  provider  outcome  received (seconds before now)
DELIVERIES = [
    ("acme", WebhookOutcome.APPLIED, 10),
    ("acme", WebhookOutcome.APPLIED, 3000),
    ("acme", WebhookOutcome.REJECTED, 5),
    ("acme", WebhookOutcome.APPLIED, 7200),  # two hours ago: outside the window
    ("handpay", WebhookOutcome.IGNORED, 60),
]
#  notifier  state  created (seconds before now)
NOTIFICATIONS = [
    ("telegram", NotificationState.PENDING, 120),
    ("telegram", NotificationState.PENDING, 30),
    ("telegram", NotificationState.FAILED, 5000),
    ("telegram", NotificationState.SENT, 9000),
]


def seed_known_database(database: Database, now: datetime) -> None:
    """The disputes through the book (so the tallies are kept as webhooks keep them), then
    their evidence and work states, deliveries and outbox rows written as they stand."""
    book = DisputeBook(database)
    for dispute_id, provider, status, *_ in DISPUTES:
        event = event_for(provider, f"evt_{dispute_id}", dispute_id, status, occurred_at=now)
        book.apply_one(event, source=EventSource.WEBHOOK)
    with database.transaction() as session:
        for dispute_id, provider, _, evidence, work, due_in in DISPUTES:
            session.execute(
                update(Dispute)
                .where(Dispute.provider == provider, Dispute.dispute_id == dispute_id)
                .values(
                    evidence_state=evidence,
                    work_state=work,
                    work_not_before=None if due_in is None else now + timedelta(seconds=due_in),
                )
            )
        for n, (provider, outcome, age) in enumerate(DELIVERIES):
            session.add(
                WebhookDelivery(
                    provider=provider,
                    received_at=now - timedelta(seconds=age),
                    event_id=f"evt_delivery_{n}",
                    outcome=outcome,
                    body=b"{}",
                )
            )
        first = session.scalars(select(Dispute.id).order_by(Dispute.id)).first()
        assert first is not None
        for n, (notifier, state, age) in enumerate(NOTIFICATIONS):
            session.add(
                NotificationRow(
                    dispute_pk=first,
                    notifier=notifier,
                    kind="new_dispute",
                    dedupe_key=f"key-{n}",
                    state=state,
                    created_at=now - timedelta(seconds=age),
                )
            )


def test_every_gauge_matches_the_known_database(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    seed_known_database(database, NOW)

    with database.reading() as session:
        gauges = read_gauges(session, NOW, providers=["acme", "handpay"])

    nonzero = {key: n for key, n in gauges.disputes.items() if n}
    assert nonzero == {
        ("acme", "needs_response"): 3,
        ("acme", "won"): 1,
        ("handpay", "lost"): 1,
    }
    assert gauges.disputes[("handpay", "won")] == 0  # every status of each provider, zeros too
    assert set(gauges.disputes) == {(p, s.value) for p in ("acme", "handpay") for s in Status}
    assert gauges.evidence == {
        "none": 1,
        "building": 0,
        "ready": 1,
        "submitted": 1,
        "manual_required": 1,
        "sent_manually": 0,
        "rejected": 0,
        "failed": 1,
    }
    assert {key: n for key, n in gauges.deliveries.items() if n} == {
        ("acme", "applied"): 2,
        ("acme", "rejected"): 1,
        ("handpay", "ignored"): 1,
    }
    assert gauges.deliveries[("handpay", "duplicate")] == 0
    assert gauges.work == {"queued": 2, "claimed": 2}
    # due: d3 (queued five minutes ago) and d2 (its claim's lease ran out a minute ago)
    assert gauges.work_due == 2
    assert gauges.oldest_due_age == 300.0
    assert gauges.notifications == {("telegram", "pending"): 2, ("telegram", "failed"): 1}
    assert gauges.oldest_pending_notification_age == 120.0


def test_an_empty_database_reads_zeros_for_the_configured_providers(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)

    with database.reading() as session:
        gauges = read_gauges(session, NOW, providers=["acme"])

    assert set(gauges.disputes.values()) == {0}
    assert set(gauges.deliveries) == {("acme", outcome.value) for outcome in WebhookOutcome}
    assert set(gauges.evidence.values()) == {0}
    assert gauges.work == {"queued": 0, "claimed": 0}
    assert (gauges.work_due, gauges.oldest_due_age) == (0, 0.0)
    assert gauges.notifications == {}
    assert gauges.oldest_pending_notification_age == 0.0
