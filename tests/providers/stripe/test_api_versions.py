"""Every API version's deadline and money: old shapes of the dispute object, read right.

Webhooks arrive in the account's pinned API version. Before ``evidence_details`` existed
(e.g. 2014-08-20) the deadline was a top-level ``evidence_due_by``; some payloads list no
``balance_transactions`` on a funds event; an inquiry never moves money.
"""

from __future__ import annotations

import copy
import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from litestar.testing import TestClient
from sqlalchemy import select

from emulators.stripe import sign
from engine.db.models import Dispute
from engine.disputes.model import Funds
from engine.runtime import Runtime
from providers.stripe.mapping import event_from_webhook, snapshot_of
from tests.providers.stripe.conftest import WEBHOOK_SECRET, load_fixture

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "stripe"
DUE_BY = 1764547199


def event(index: int) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((FIXTURES / "lifecycle_won.json").read_text())[index]
    return copy.deepcopy(raw)


def as_2014_08_20(raw: dict[str, Any]) -> dict[str, Any]:
    """The dispute object as API version 2014-08-20 shapes it: the deadline at the top level."""
    old = {k: v for k, v in raw.items() if k not in {"evidence_details", "payment_intent"}}
    old["evidence_due_by"] = DUE_BY
    return old


def test_a_top_level_evidence_due_by_is_the_respond_by() -> None:
    snapshot = snapshot_of(as_2014_08_20(event(0)["data"]["object"]))
    assert snapshot.respond_by == datetime.fromtimestamp(DUE_BY, tz=UTC)


def test_evidence_details_due_by_wins_over_a_stale_top_level_one() -> None:
    raw = event(0)["data"]["object"]
    raw["evidence_due_by"] = DUE_BY - 86_400
    assert snapshot_of(raw).respond_by == datetime.fromtimestamp(DUE_BY, tz=UTC)


@given(st.integers(min_value=1, max_value=4_102_444_800))
def test_any_old_deadline_reads_the_same_as_the_new_shape(due_by: int) -> None:
    new = event(0)["data"]["object"]
    new["evidence_details"]["due_by"] = due_by
    old = as_2014_08_20(new)
    old["evidence_due_by"] = due_by
    assert snapshot_of(old).respond_by == snapshot_of(new).respond_by


@pytest.mark.parametrize(
    ("index", "event_type", "funds"),
    [
        (1, "charge.dispute.funds_withdrawn", Funds.DEBITED),
        (4, "charge.dispute.funds_reinstated", Funds.REINSTATED),
    ],
)
def test_a_funds_event_without_balance_transactions_still_says_where_the_money_went(
    index: int, event_type: str, funds: Funds
) -> None:
    body = event(index)
    assert body["type"] == event_type
    raw = body["data"]["object"]
    raw["balance_transactions"] = []
    neutral = event_from_webhook(body["id"], event_type, body["created"], None, raw)
    assert neutral.funds is funds


@pytest.mark.parametrize(
    "event_type", ["charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated"]
)
@pytest.mark.parametrize("status", ["warning_needs_response", "warning_under_review"])
def test_an_inquiry_is_never_debited(event_type: str, status: str) -> None:
    raw = event(1)["data"]["object"]
    raw["status"] = status
    raw["balance_transactions"] = [{"amount": -4900, "currency": "usd", "fee": 1500}]
    neutral = event_from_webhook("evt_x", event_type, 1763700001, None, raw)
    assert neutral.snapshot is not None
    assert neutral.snapshot.funds is Funds.NOT_DEBITED
    assert neutral.funds is Funds.NOT_DEBITED


def deliver(client: TestClient[Any], body: dict[str, Any]) -> int:
    payload = json.dumps(body).encode()
    response = client.post(
        "/webhooks/stripe",
        content=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign(payload, WEBHOOK_SECRET, int(time.time())),
        },
    )
    return response.status_code


def test_a_2014_08_20_lifecycle_through_the_webhook_keeps_its_deadline_and_money(
    client: TestClient[Any], stripe_runtime: Runtime, fixtures_dir: Path
) -> None:
    # Given the created and funds_withdrawn events in the 2014-08-20 shape, no transactions
    events = load_fixture(fixtures_dir, "lifecycle_won.json")[:2]
    for body in events:
        body["api_version"] = "2014-08-20"
        body["data"]["object"] = as_2014_08_20(body["data"]["object"])
        body["data"]["object"]["balance_transactions"] = []
    # When Stripe delivers them
    assert [deliver(client, body) for body in events] == [200, 200]
    # Then the dispute has its deadline and its funds read debited
    with stripe_runtime.database.reading() as session:
        dispute = session.scalars(select(Dispute)).one()
        assert dispute.respond_by is not None
        assert dispute.respond_by.replace(tzinfo=UTC) == datetime.fromtimestamp(DUE_BY, tz=UTC)
        assert dispute.funds == Funds.DEBITED
