"""Rules of the Stripe mapping that evidence and reporting depend on: the customer's email
survives mapping, and the network reason code falls back to the card's."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from providers.stripe.mapping import snapshot_of

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stripe"


def dispute(**changes: Any) -> dict[str, Any]:
    base = json.loads((FIXTURES / "lifecycle_won.json").read_text())[0]["data"]["object"]
    raw: dict[str, Any] = copy.deepcopy(base)
    raw.update(changes)
    return raw


def test_the_customers_email_and_name_survive_mapping() -> None:
    # Given a dispute whose evidence names the customer
    raw = dispute()
    raw["evidence"] = {
        **(raw.get("evidence") or {}),
        "customer_email_address": "ada@example.com",
        "customer_name": "Ada Lovelace",
    }
    # When it is mapped
    snapshot = snapshot_of(raw)
    # Then the evidence sources can look the customer up by email
    assert snapshot.customer_email == "ada@example.com"
    assert snapshot.customer_name == "Ada Lovelace"


def test_no_evidence_means_no_customer_email() -> None:
    raw = dispute()
    raw.pop("evidence", None)
    snapshot = snapshot_of(raw)
    assert snapshot.customer_email is None
    assert snapshot.customer_name is None


def test_the_disputes_own_network_reason_code_wins_over_the_cards() -> None:
    # Given a dispute carrying its own code and a different one on the card
    raw = dispute(network_reason_code="13.1")
    raw["payment_method_details"]["card"]["network_reason_code"] = "10.4"
    # When it is mapped, then the dispute's own code is kept
    assert snapshot_of(raw).network_reason_code == "13.1"


def test_the_network_reason_code_falls_back_to_the_cards() -> None:
    # Given a dispute without a top-level code (as Stripe sends for most card disputes)
    raw = dispute(network_reason_code=None)
    raw["payment_method_details"]["card"]["network_reason_code"] = "10.4"
    # When it is mapped, then the card's code is used
    assert snapshot_of(raw).network_reason_code == "10.4"


def test_no_network_reason_code_anywhere_is_none() -> None:
    raw = dispute(network_reason_code=None, payment_method_details=None)
    assert snapshot_of(raw).network_reason_code is None
