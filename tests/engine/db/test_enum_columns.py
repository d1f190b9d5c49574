"""Typed state columns keep the very strings stored before they were typed, on both databases,
and refuse a string that is no member before anything is written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from engine.db.base import StrEnumColumn
from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import EventSource, Submission, SubmissionState
from engine.disputes.ingest import DisputeBook
from tests.engine.evidence.test_submission_gate import needs_response

COLUMN = StrEnumColumn(SubmissionState, 16)


@pytest.fixture
def database(database_url: str) -> Database:
    database = Database(database_url)
    upgrade(database)
    DisputeBook(database).apply_one(needs_response("dp_1"), source=EventSource.WEBHOOK)
    return database


@pytest.mark.parametrize("state", list(SubmissionState))
def test_each_state_is_stored_as_its_old_string_and_read_back_as_the_member(
    database: Database, state: SubmissionState
) -> None:
    with database.transaction() as session:
        session.add(Submission(dispute_pk=1, evidence_version=1, idempotency_key="k", state=state))
    with database.reading() as session:
        raw: str = session.execute(text("SELECT state FROM submissions")).scalar_one()
        typed = session.query(Submission).one().state
    assert (raw, typed) == (state.value, state)
    assert typed is state


def test_a_string_that_is_no_state_is_refused_naming_the_enum(database: Database) -> None:
    with (
        pytest.raises(Exception, match="'sent' is not a SubmissionState"),
        database.transaction() as session,
    ):
        session.add(Submission(dispute_pk=1, evidence_version=1, idempotency_key="k", state="sent"))
    with database.reading() as session:
        assert session.execute(text("SELECT count(*) FROM submissions")).scalar_one() == 0


@given(st.text(max_size=20))
def test_binding_accepts_exactly_the_members_values(value: str) -> None:
    members = {state.value for state in SubmissionState}
    if value in members:
        assert COLUMN.process_bind_param(value, None) == value  # type: ignore[arg-type]
    else:
        with pytest.raises(ValueError, match="is not a SubmissionState"):
            COLUMN.process_bind_param(value, None)  # type: ignore[arg-type]
