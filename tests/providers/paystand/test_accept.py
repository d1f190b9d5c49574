"""Accepting a Paystand dispute: no accept API, so the engine records the decision, the status
reads ``accepted`` and evidence work stops."""

from __future__ import annotations

from sqlalchemy import select

from emulators.paystand import PaystandEmulator
from engine.db.models import DisputeEventRow
from engine.decisions import AcceptOutcome, Decision, accept_dispute, decision_of
from engine.evidence.pipeline.respond import Outcome, respond
from engine.work.queue import WorkReason
from tests.providers.paystand.conftest import LiveApp
from tests.providers.paystand.helpers import dispute_row
from tests.providers.paystand.test_manual_submission import active_dispute


def test_accepting_records_the_decision_once_and_stops_evidence_work(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    # Given an active Paystand dispute with evidence work queued
    dispute_id, dispute_pk = active_dispute(live_app, emulator)
    requests_before = list(emulator.state.requests)
    # When it is accepted twice
    first = accept_dispute(live_app.runtime, "paystand", dispute_id)
    second = accept_dispute(live_app.runtime, "paystand", dispute_id)
    # Then the decision is recorded once and the dispute reads accepted
    assert (first.outcome, second.outcome) == (
        AcceptOutcome.ACCEPTED,
        AcceptOutcome.ALREADY_ACCEPTED,
    )
    assert "no accept API" in first.message
    row = dispute_row(live_app.runtime, dispute_id)
    assert row is not None
    assert (row.status, row.provider_status) == ("accepted", "active")
    assert emulator.state.requests == requests_before  # nothing was sent to Paystand
    with live_app.runtime.database.reading() as session:
        types = list(
            session.scalars(
                select(DisputeEventRow.type).where(DisputeEventRow.dispute_pk == dispute_pk)
            )
        )
    assert types.count("engine.accepted") == 1
    assert decision_of(types, row.evidence_state) is Decision.ACCEPTED
    # and the evidence work queued before is skipped
    outcome = respond(live_app.runtime, dispute_pk, WorkReason.RESPOND)
    assert (outcome.state, outcome.message) == (Outcome.SKIPPED, "the dispute is accepted")
