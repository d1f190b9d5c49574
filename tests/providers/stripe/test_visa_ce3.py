"""Visa Compelling Evidence 3.0 end to end: the emulator's Stripe judges eligibility, the engine
finds prior payments in Stripe's charges and the merchant's ``app_sql`` payments, sends the
block only when Visa's rules hold, and says why not otherwise."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from emulators.stripe import StripeEmulator
from engine.db.migrate import upgrade
from engine.db.models import EvidenceVersion, Submission
from engine.disputes.sync import sync_provider
from engine.evidence.pipeline.respond import Outcome, respond
from engine.runtime import Runtime
from engine.testing import MakeSettings
from engine.work.queue import claim_next
from web.app import create_app

DAY = 86_400
KEY = "dashboard-key-ce3-0123456789"
IP = "203.0.113.9"
CE3 = "visa_compelling_evidence_3"


@pytest.fixture
def ce3_runtime(
    make_settings: MakeSettings, stripe_env: dict[str, str], tmp_path: Path
) -> Iterator[Runtime]:
    """An engine whose ``app_sql`` reads the merchant's orders (account ids, devices)."""
    app_db = tmp_path / "app.db"
    with sqlite3.connect(app_db) as db:
        db.execute(
            "CREATE TABLE orders (charge TEXT, user_id TEXT, device TEXT, kind TEXT, plan TEXT)"
        )
    config = tmp_path / "disputes.toml"
    config.write_text(
        f"""
[evidence_sources.app_sql]
url = "sqlite:///{app_db}"
[[evidence_sources.app_sql.queries]]
name = "orders"
kind = "payments"
sql = "SELECT charge AS payment_id, user_id AS customer_account_id, device AS customer_device_id, kind AS merchandise_or_services, plan AS product_description FROM orders"
"""
    )
    runtime = Runtime(make_settings(**stripe_env, config=str(config), dashboard_key=KEY))
    upgrade(runtime.database)
    yield runtime
    runtime.close()


def orders(runtime: Runtime, rows: list[tuple[str, str | None]]) -> None:
    """The merchant's own rows: (charge id, user id) — the account id Stripe does not know."""
    section = runtime.settings.section("evidence_sources", "app_sql")
    path = str(section["url"]).removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        db.executemany(
            "INSERT INTO orders VALUES (?, ?, NULL, 'services', 'Logo design plan')", rows
        )


def seed(
    emulator: StripeEmulator, prior_days: list[int], *, ip_on_priors: bool = True
) -> tuple[str, list[str]]:
    """A Visa 10.4 fraud dispute offered CE 3.0, and the customer's earlier charges."""
    books = emulator.state
    now = books.now()
    priors = [
        str(
            books.add_charge(
                customer="cus_Ce3",
                created=now - days * DAY,
                ip_address=IP if ip_on_priors else None,
                description="Logo design plan, monthly",
            )["id"]
        )
        for days in prior_days
    ]
    disputed = books.add_charge(
        customer="cus_Ce3",
        billing_details={"name": "Ada Lovelace", "email": "ada@example.com", "address": None},
        ip_address=IP,
        description="Logo design plan, monthly",
    )
    dispute = books.add_dispute(
        charge=str(disputed["id"]), enhanced_eligibility_types=[CE3], emit=False
    )
    return str(dispute["id"]), [str(disputed["id"]), *priors]


def answer(runtime: Runtime) -> None:
    report = sync_provider(runtime, "stripe")
    assert report.queued == 1, report
    claim = claim_next(runtime.database, "ce3-test")
    assert claim is not None
    outcome = respond(runtime, *claim)
    assert outcome.state == Outcome.SUBMITTED, outcome


def api_view(runtime: Runtime, dispute_id: str) -> tuple[dict[str, Any], str]:
    with TestClient(app=create_app(runtime)) as client:
        body = client.get(
            f"/api/disputes/stripe/{dispute_id}", headers={"Authorization": f"Bearer {KEY}"}
        ).json()
        page = client.get(f"/disputes/stripe/{dispute_id}?key={KEY}").text
    return body["evidence"]["visa_ce3"], page


def test_two_linked_priors_in_the_window_are_sent_and_stripe_qualifies_the_dispute(
    ce3_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    # Given two earlier charges with the disputed one's IP (Stripe's Radar) and the merchant's
    # account id for all three (app_sql); a third prior outside the window
    dispute_id, (disputed, near, far, old) = seed(stripe_emulator, [130, 300, 400])
    orders(ce3_runtime, [(disputed, "user-42"), (near, "user-42"), (far, "user-42"), (old, "u")])
    before = stripe_emulator.state.dispute(dispute_id)["evidence_details"]
    assert before["enhanced_eligibility"][CE3]["status"] == "requires_action"

    # When the engine answers the dispute
    answer(ce3_runtime)

    # Then Stripe holds the block, exactly two priors, and now calls the dispute qualified
    at_stripe = stripe_emulator.state.dispute(dispute_id)
    block = at_stripe["evidence"]["enhanced_evidence"][CE3]
    assert [p["charge"] for p in block["prior_undisputed_transactions"]] == [near, far]
    assert block["disputed_transaction"] == {
        "customer_account_id": "user-42",
        "customer_email_address": "ada@example.com",
        "customer_purchase_ip": IP,
        "merchandise_or_services": "services",
        "product_description": "Logo design plan, monthly",
    }
    assert at_stripe["evidence_details"]["enhanced_eligibility"][CE3] == {
        "status": "qualified",
        "required_actions": [],
    }
    with ce3_runtime.database.reading() as session:
        submission = session.scalars(select(Submission)).one()
        assert submission.response is not None
        assert submission.response["visa_ce3"]["status"] == "qualified"
    view, page = api_view(ce3_runtime, dispute_id)
    assert view == {
        "qualified": True,
        "reasons": [],
        "prior_payments": [near, far],
        "status_before": "requires_action",
        "required_actions_before": [
            "missing_customer_identifiers",
            "missing_disputed_transaction_description",
            "missing_merchandise_or_services",
            "missing_prior_undisputed_transaction_description",
            "missing_prior_undisputed_transactions",
        ],
    }
    assert "Visa Compelling Evidence 3.0: qualifies" in page
    assert "after sending: <strong>qualified</strong>" in page


@pytest.mark.parametrize(
    ("prior_days", "account_ids", "stripe_status", "reason"),
    [
        # Only the IP matches: one main element, no secondary one.
        ([130, 300], False, "requires_action", "match the disputed one on two elements"),
        ([119, 366], True, "not_qualified", "0 of 2 fall in that window"),
        ([200], True, "not_qualified", "1 found"),
    ],
    ids=["one-element", "window-119-366", "one-prior"],
)
def test_a_dispute_that_cannot_qualify_sends_no_block_and_says_why(
    ce3_runtime: Runtime,
    stripe_emulator: StripeEmulator,
    prior_days: list[int],
    account_ids: bool,
    stripe_status: str,
    reason: str,
) -> None:
    dispute_id, charges = seed(stripe_emulator, prior_days)
    orders(ce3_runtime, [(charge, "user-42" if account_ids else None) for charge in charges])

    answer(ce3_runtime)

    at_stripe = stripe_emulator.state.dispute(dispute_id)
    assert at_stripe["evidence"]["enhanced_evidence"] == {}
    assert at_stripe["evidence_details"]["submission_count"] == 1  # the rest still went
    assert at_stripe["evidence_details"]["enhanced_eligibility"][CE3]["status"] == stripe_status
    view, page = api_view(ce3_runtime, dispute_id)
    assert view["qualified"] is False
    assert view["status_before"] == stripe_status
    assert reason in view["reasons"][0]
    assert "Visa Compelling Evidence 3.0: does not qualify" in page
    assert reason in page
    with ce3_runtime.database.reading() as session:
        version = session.scalars(select(EvidenceVersion)).one()
        assert "_visa_ce3" not in version.fields


def test_a_dispute_not_offered_ce3_shows_nothing_about_it(
    ce3_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    books = stripe_emulator.state
    charge = books.add_charge(
        customer="cus_Plain",
        billing_details={"name": "Ada", "email": "ada@example.com", "address": None},
        ip_address=IP,
    )
    dispute_id = str(books.add_dispute(charge=str(charge["id"]), emit=False)["id"])
    answer(ce3_runtime)
    view, page = api_view(ce3_runtime, dispute_id)
    assert view is None
    assert "Compelling Evidence" not in page
