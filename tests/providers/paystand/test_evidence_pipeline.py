"""The real evidence pipeline on a Paystand dispute: a packet built from Paystand's own facts,
archived, and left for a person to send (no evidence API)."""

from __future__ import annotations

from sqlalchemy import select

from emulators.paystand import PaystandEmulator
from engine.db.models import EvidenceVersion
from engine.evidence.pipeline import Outcome, respond
from engine.work.queue import WorkReason
from tests.engine.evidence.packet.pdfs import text_of
from tests.providers.paystand.conftest import LiveApp
from tests.providers.paystand.test_manual_submission import active_dispute
from tests.support.evidence import regenerate


def test_an_active_dispute_gets_a_packet_for_manual_submission(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    runtime = live_app.runtime
    dispute_id, dispute_pk = active_dispute(live_app, emulator)

    outcome = respond(runtime, dispute_pk, WorkReason.RESPOND)

    assert outcome.state == Outcome.MANUAL_REQUIRED
    assert "no evidence API" in outcome.message
    with runtime.database.reading() as session:
        version = session.scalars(select(EvidenceVersion)).one()
    assert version.sources["paystand_facts"]["state"] == "ok"
    receipt = next(record for record in version.files if record["kind"] == "receipt")
    text = text_of(runtime.storage.get(receipt["name"]))
    facts = version.sources["paystand_facts"]["facts"]
    assert "total_amount_paid" in facts
    assert "Total amount paid by the" in text
    # regenerating says the same, exactly
    again = regenerate(runtime, "paystand", dispute_id)
    assert again.state == Outcome.MANUAL_REQUIRED
    assert again.version == 2
