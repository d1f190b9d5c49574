"""Connect: a connected account's dispute keeps its account, and every call for it carries it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import stripe
from litestar.testing import TestClient
from sqlalchemy import select

from emulators.stripe import PLATFORM_ACCOUNT, StripeEmulator, sign
from engine.db.models import Dispute
from engine.db.records import read_state
from engine.evidence.model import EvidencePacket
from engine.plugins.sources import EvidenceContext
from engine.runtime import Runtime
from providers.stripe.facts import StripeFacts
from tests.providers.stripe.conftest import API_KEY, WEBHOOK_SECRET, drain_queue, load_fixture

ACCOUNT = "acct_1QexampleConnect01"


def test_the_connect_fixture_keeps_its_account(
    client: TestClient[Any], stripe_runtime: Runtime, fixtures_dir: Path
) -> None:
    body = json.dumps(load_fixture(fixtures_dir, "connect_inquiry_created.json")).encode()
    response = client.post(
        "/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET, int(time.time()))},
    )
    assert response.status_code == 200
    with stripe_runtime.database.reading() as session:
        dispute = session.scalars(select(Dispute)).one()
        assert (dispute.dispute_id, dispute.account) == ("dp_1QexampleInquiryB01", ACCOUNT)
        assert (dispute.stage, dispute.status, dispute.funds) == (
            "inquiry",
            "needs_response",
            "not_debited",
        )


def wait_for_webhooks(emulator: StripeEmulator) -> None:
    assert emulator.webhooks.wait_idle(timeout=20)
    assert all(d.status == 200 for d in emulator.webhooks.deliveries), emulator.webhooks.deliveries


def test_every_call_for_a_connected_accounts_inquiry_carries_the_account(
    stripe_runtime: Runtime,
    stripe_emulator: StripeEmulator,
    live_app: str,
    packet: EvidencePacket,
    tmp_path: Path,
) -> None:
    # Given Stripe announces an inquiry on a connected account to the running engine
    stripe_emulator.webhooks.url = f"{live_app}/webhooks/stripe"
    charge = stripe_emulator.state.add_charge(
        account=ACCOUNT,
        amount=1999,
        customer="cus_Connected01",
        billing_details={"name": "Ada Lovelace", "email": "ada@example.com", "address": None},
    )
    dispute = stripe_emulator.state.add_dispute(
        account=ACCOUNT,
        status="warning_needs_response",
        reason="general",
        amount=1999,
        charge=str(charge["id"]),
        network_reason_code=None,
    )
    dispute_id = str(dispute["id"])
    wait_for_webhooks(stripe_emulator)
    with stripe_runtime.database.reading() as session:
        row = session.scalars(select(Dispute)).one()
        assert (row.dispute_id, row.account, row.stage, row.status, row.work_state) == (
            dispute_id,
            ACCOUNT,
            "inquiry",
            "needs_response",
            "queued",
        )
        state = read_state(row)

    # When the engine gathers Stripe's facts, submits, and re-reads the dispute
    facts_source = StripeFacts.from_settings(stripe_runtime.settings)
    assert facts_source is not None
    facts = facts_source.contribute(
        EvidenceContext(dispute=state, provider_facts={}, work_dir=str(tmp_path))
    )
    assert facts.facts["customer_name"] == "Ada Lovelace"
    drain_queue(stripe_runtime, packet)
    stripe_runtime.provider("stripe").fetch_dispute(dispute_id, ACCOUNT)
    wait_for_webhooks(stripe_emulator)

    # Then Stripe saw every request on the connected account, none on the platform
    assert stripe_emulator.requests
    assert {r.account for r in stripe_emulator.requests} == {ACCOUNT}
    assert dict(stripe_emulator.state.counters.requests_by_account) == {
        ACCOUNT: len(stripe_emulator.requests)
    }
    assert stripe_emulator.state.counters.submissions[dispute_id] == 1
    # and the outcome webhooks (also on the account) closed the inquiry in the engine
    with stripe_runtime.database.reading() as session:
        row = session.scalars(select(Dispute)).one()
        assert (row.stage, row.status, row.account) == ("inquiry", "closed", ACCOUNT)


def test_the_platform_cannot_see_a_connected_accounts_dispute(
    stripe_emulator: StripeEmulator,
) -> None:
    dispute = stripe_emulator.state.add_dispute(account=ACCOUNT, emit=False)
    client = stripe.StripeClient(
        API_KEY, base_addresses={"api": stripe_emulator.url, "files": stripe_emulator.url}
    )
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.disputes.retrieve(str(dispute["id"]))
    assert (refused.value.http_status, refused.value.code) == (404, "resource_missing")
    seen = client.v1.disputes.retrieve(str(dispute["id"]), options={"stripe_account": ACCOUNT})
    assert seen.id == dispute["id"]
    assert stripe_emulator.requests[0].account is None
    assert PLATFORM_ACCOUNT in stripe_emulator.state.counters.requests_by_account
