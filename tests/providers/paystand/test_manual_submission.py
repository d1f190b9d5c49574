"""Evidence for Paystand goes by hand: the packet is prepared like any other, the engine refuses
to "submit" it, and a person's confirmation that it was sent moves ``active`` to under_review."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from emulators.paystand import PaystandEmulator
from engine.db.models import Dispute, EvidenceState, EvidenceVersion, Submission, WorkState
from engine.evidence.model import EvidencePacket, EvidenceText, TextField, validate_packet
from engine.evidence.submission import SubmissionRefused, submit_version
from engine.work.queue import WorkReason
from tests.providers.paystand.conftest import LiveApp
from tests.providers.paystand.helpers import dispute_row


def active_dispute(live_app: LiveApp, emulator: PaystandEmulator) -> tuple[str, int]:
    dispute, created = emulator.state.create_dispute()
    assert emulator.deliver(created) == 200
    assert emulator.deliver(emulator.state.transition(dispute["id"], "processing")) == 200
    assert emulator.deliver(emulator.state.transition(dispute["id"], "active")) == 200
    row = dispute_row(live_app.runtime, dispute["id"])
    assert row is not None
    return dispute["id"], row.id


def prepare_packet(live_app: LiveApp, dispute_pk: int) -> None:
    """What the evidence pipeline leaves behind for a provider without an evidence API."""
    with live_app.runtime.database.transaction() as session:
        session.add(
            EvidenceVersion(
                dispute_pk=dispute_pk, version=1, state=EvidenceState.MANUAL_REQUIRED, fields={}
            )
        )
        dispute = session.get_one(Dispute, dispute_pk)
        dispute.evidence_state = EvidenceState.MANUAL_REQUIRED
        dispute.work_state = WorkState.IDLE


def test_an_active_dispute_reads_open_and_gets_a_packet_prepared(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    dispute_id, _ = active_dispute(live_app, emulator)
    row = dispute_row(live_app.runtime, dispute_id)
    assert row is not None
    assert (row.status, row.provider_status) == ("open", "active")
    assert (row.work_state, row.work_reason) == (WorkState.QUEUED, WorkReason.RESPOND)


def test_the_engine_refuses_to_submit_through_an_api_paystand_does_not_have(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    _, dispute_pk = active_dispute(live_app, emulator)
    with pytest.raises(SubmissionRefused, match="Paystand has no evidence API: send the packet"):
        submit_version(
            live_app.runtime.evidence,
            live_app.runtime.provider("paystand"),
            dispute_pk,
            1,
            EvidencePacket(),
        )
    with live_app.runtime.database.reading() as session:
        assert session.scalars(select(Submission)).all() == []


def test_marking_the_packet_sent_turns_active_into_under_review_once(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    dispute_id, dispute_pk = active_dispute(live_app, emulator)
    prepare_packet(live_app, dispute_pk)
    # When a person confirms they handed version 1 to Paystand
    live_app.runtime.evidence.record_manual(dispute_pk, 1, "emailed to disputes@paystand")
    # Then the dispute reads under review and the evidence as sent by hand
    row = dispute_row(live_app.runtime, dispute_id)
    assert row is not None
    assert (row.status, row.provider_status) == ("under_review", "active")
    assert row.evidence_state == EvidenceState.SENT_MANUALLY
    with live_app.runtime.database.reading() as session:
        version = session.scalars(select(EvidenceVersion)).one()
        assert (version.state, version.submitted_at is not None) == ("sent_manually", True)
        submission = session.scalars(select(Submission)).one()
        assert (submission.state, submission.response) == (
            "manual",
            {"note": "emailed to disputes@paystand"},
        )
    # And a second confirmation is refused
    with pytest.raises(SubmissionRefused, match="already recorded as sent"):
        live_app.runtime.evidence.record_manual(dispute_pk, 1, "again")
    # And Paystand repeating "active" later keeps it under review; the outcome still lands
    emulator.deliver(emulator.state.transition(dispute_id, "active", reason="fraudulent"))
    assert dispute_row(live_app.runtime, dispute_id).status == "under_review"  # type: ignore[union-attr]
    emulator.deliver(emulator.state.transition(dispute_id, "won"))
    assert dispute_row(live_app.runtime, dispute_id).status == "won"  # type: ignore[union-attr]


def test_the_packet_goes_through_the_same_validation_with_every_field_accepted(
    live_app: LiveApp,
) -> None:
    rules = live_app.runtime.provider("paystand").evidence_rules
    packet = EvidencePacket(texts=tuple(EvidenceText(field, "x" * 50_000) for field in TextField))
    assert validate_packet(packet, rules, {}) == []
    twice = EvidencePacket(texts=(EvidenceText(TextField.CUSTOMER_NAME, "a"),) * 2)
    assert [v.message for v in validate_packet(twice, rules, {})] == ["given more than once"]


def test_bank_disputes_say_they_cannot_be_contested(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    dispute, created = emulator.state.create_dispute(source_type="ACH")
    emulator.deliver(created)
    row = dispute_row(live_app.runtime, dispute["id"])
    assert row is not None
    with pytest.raises(SubmissionRefused, match=r"bank \(ACH\) disputes are final"):
        submit_version(
            live_app.runtime.evidence,
            live_app.runtime.provider("paystand"),
            row.id,
            1,
            EvidencePacket(),
        )
