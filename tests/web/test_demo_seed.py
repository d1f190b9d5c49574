"""The demo's seed data: what a visitor must be able to see."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PIL import Image

from emulators.paystand.state import PaystandState
from emulators.stripe.state import StripeState
from web.demo.seed import CE3, make_app_database, seed_paystand, seed_stripe


def test_stripe_has_every_stage_and_one_ce3_eligible_visa_fraud_case() -> None:
    state = StripeState()
    disputes = [state.dispute(dispute_id) for dispute_id in seed_stripe(state)]
    statuses = {dispute["status"] for dispute in disputes}
    assert {"needs_response", "warning_needs_response", "won", "lost"} <= statuses
    assert len({dispute["reason"] for dispute in disputes}) >= 4
    eligible = [d for d in disputes if CE3 in d["enhanced_eligibility_types"]]
    assert [d["reason"] for d in eligible] == ["fraudulent"]
    charge = state.charges[eligible[0]["charge"]].object
    assert charge["billing_details"]["address"]["city"]
    history = [
        c.object for c in state.charges.values() if c.object["customer"] == charge["customer"]
    ]
    assert len(history) == 4  # three earlier purchases and the disputed one


def test_paystand_disputes_are_past_intake() -> None:
    state = PaystandState(client_id="c", client_secret="s", customer_id="x")
    statuses = [state.get_dispute(dispute_id)["status"] for dispute_id in seed_paystand(state)]
    assert "created" not in statuses and {"acceptingEvidence", "won", "lost"} <= set(statuses)


def test_the_app_database_holds_a_readable_design_per_row(tmp_path: Path) -> None:
    database = make_app_database(tmp_path)
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT user_email, image FROM designs").fetchall()
    assert len({email for email, _ in rows}) == 6
    for _, image in rows:
        with Image.open(tmp_path / image) as png:
            assert png.format == "PNG" and png.size == (800, 600)
            assert len(png.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 10
