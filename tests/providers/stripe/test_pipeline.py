"""The engine's own evidence pipeline answering a Stripe dispute: PDFs built, uploaded to the
emulator's files host, and submitted with Stripe's facts in the text fields."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from emulators.stripe import StripeEmulator
from engine.db.models import Dispute, EvidenceVersion
from engine.evidence.pipeline.respond import Outcome, respond
from engine.runtime import Runtime
from engine.work.queue import claim_next


def test_a_webhook_announced_dispute_is_answered_by_the_pipeline(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, live_app: str
) -> None:
    # Given Stripe announces a fraud chargeback whose charge names the customer
    stripe_emulator.webhooks.url = f"{live_app}/webhooks/stripe"
    charge = stripe_emulator.state.add_charge(
        customer="cus_Pipeline",
        billing_details={"name": "Grace Hopper", "email": "grace@example.com", "address": None},
        ip_address="198.51.100.4",
    )
    stripe_emulator.state.add_charge(customer="cus_Pipeline", amount=1100)
    dispute_id = str(stripe_emulator.state.add_dispute(charge=str(charge["id"]))["id"])
    assert stripe_emulator.webhooks.wait_idle(timeout=20)

    # When the worker claims the queued work and responds
    claim = claim_next(stripe_runtime.database, "pipeline-test")
    assert claim is not None
    outcome = respond(stripe_runtime, *claim)

    # Then Stripe holds one submission with the rendered PDFs and Stripe's own facts
    assert outcome.state == Outcome.SUBMITTED, outcome
    at_stripe = stripe_emulator.state.dispute(dispute_id)
    assert at_stripe["evidence_details"]["submission_count"] == 1
    evidence = at_stripe["evidence"]
    assert evidence["customer_name"] == "Grace Hopper"
    assert evidence["customer_email_address"] == "grace@example.com"
    assert evidence["customer_purchase_ip"] == "198.51.100.4"
    uploaded = {f.id: f for f in stripe_emulator.state.files_for()}
    assert evidence["receipt"] in uploaded
    assert {f.type for f in uploaded.values()} == {"pdf"}
    assert {f.purpose for f in uploaded.values()} == {"dispute_evidence"}
    receipt = PdfReader(io.BytesIO(uploaded[evidence["receipt"]].data))
    receipt_text = " ".join(page.extract_text() for page in receipt.pages)
    assert "USD 60.00" in receipt_text  # Stripe's own total: 49.00 + 11.00
    assert stripe_emulator.webhooks.wait_idle(timeout=20)
    with stripe_runtime.database.reading() as session:
        row = session.scalars(select(Dispute)).one()
        assert (row.status, row.evidence_state) == ("under_review", "submitted")
        version = session.scalars(select(EvidenceVersion)).one()
        assert version.sources["stripe_facts"]["state"] == "ok"
