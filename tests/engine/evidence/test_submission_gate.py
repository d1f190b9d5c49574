"""The submission gate's rules: "already submitted" and "another version is in flight" are
judged per dispute, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute, EventSource, Submission
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import (
    DisputeEvent,
    Status,
)
from engine.evidence.book import submission_blocker
from tests.engine.strategies import BASE
from tests.support.acme import AcmeProvider, event_for


def needs_response(dispute_id: str) -> DisputeEvent:
    return event_for(
        "acme",
        f"evt_{dispute_id}",
        dispute_id,
        Status.NEEDS_RESPONSE,
        occurred_at=BASE,
        respond_by=BASE + timedelta(days=7),
    )


@pytest.fixture
def database(database_url: str) -> Database:
    database = Database(database_url)
    upgrade(database)
    book = DisputeBook(database)
    for dispute_id in ("dp_1", "dp_2"):
        book.apply_one(needs_response(dispute_id), source=EventSource.WEBHOOK)
    return database


def record(database: Database, dispute_id: str, version: int, state: str) -> None:
    with database.transaction() as session:
        pk = session.scalars(select(Dispute.id).where(Dispute.dispute_id == dispute_id)).one()
        session.add(
            Submission(
                dispute_pk=pk,
                evidence_version=version,
                idempotency_key=f"disputes:acme:{dispute_id}:v{version}",
                state=state,
                attempts=1,
            )
        )


def blocker(database: Database, dispute_id: str, version: int) -> str | None:
    with database.reading() as session:
        dispute = session.scalars(select(Dispute).where(Dispute.dispute_id == dispute_id)).one()
        return submission_blocker(session, dispute, version, AcmeProvider(), now=BASE)


def test_already_submitted_is_judged_per_dispute(database: Database) -> None:
    # Given two disputes in one database, the first already submitted
    record(database, "dp_1", 1, "succeeded")
    # When each asks whether it may submit
    # Then only the submitted one is refused
    assert blocker(database, "dp_1", 2) == "evidence was already submitted (version 1)"
    assert blocker(database, "dp_2", 1) is None


def test_a_second_version_is_refused_while_another_may_have_reached_the_processor(
    database: Database,
) -> None:
    # Given version 1 pending (a crash after sending it, before recording the answer)
    record(database, "dp_1", 1, "pending")
    # When version 2 asks to be sent, then it is refused, naming the version in flight
    refusal = blocker(database, "dp_1", 2)
    assert refusal is not None and "version 1 is being submitted" in refusal
    # And resuming version 1 itself, or another dispute, is not blocked
    assert blocker(database, "dp_1", 1) is None
    assert blocker(database, "dp_2", 2) is None


def test_a_rejected_version_does_not_block_the_next(database: Database) -> None:
    record(database, "dp_1", 1, "rejected")
    assert blocker(database, "dp_1", 2) is None
