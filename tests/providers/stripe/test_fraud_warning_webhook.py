"""``radar.early_fraud_warning.*`` through the real webhook route: verified, decoded envelope
first, stored as one warning; anything else signed as a warning is refused and kept."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from emulators.stripe import sign
from engine.db.fraud_warnings import EarlyFraudWarning
from engine.db.models import Dispute, WebhookDelivery
from engine.fraud_warnings.model import RefundDecision
from engine.runtime import Runtime
from tests.providers.stripe.conftest import WEBHOOK_SECRET

WARNING = {
    "id": "issfr_1NnrwHBw2dPENLoi9lnhV3RQ",
    "object": "radar.early_fraud_warning",
    "actionable": True,
    "charge": "ch_1234",
    "created": 123456789,
    "fraud_type": "misc",
    "livemode": False,
    "payment_intent": "pi_1234",
}


def event(event_type: str = "radar.early_fraud_warning.created", **changes: Any) -> bytes:
    return json.dumps(
        {
            "id": f"evt_{event_type.rsplit('.', 1)[-1]}",
            "object": "event",
            "api_version": "2026-10-28.endive",
            "created": 1764900000,
            "livemode": False,
            "type": event_type,
            "data": {"object": {**WARNING, **changes}},
        }
    ).encode()


def deliver(client: TestClient[Any], body: bytes, secret: str = WEBHOOK_SECRET) -> Any:
    return client.post(
        "/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": sign(body, secret, int(time.time()))},
    )


def warnings(runtime: Runtime) -> list[EarlyFraudWarning]:
    with runtime.database.reading() as session:
        return list(session.scalars(select(EarlyFraudWarning)))


def test_a_warning_is_stored_once_and_an_update_changes_it(
    client: TestClient[Any], stripe_runtime: Runtime
) -> None:
    # Given Stripe's created event, delivered three times, then the updated one
    answers = [deliver(client, event()).json()["outcome"] for _ in range(3)]
    updated = deliver(client, event("radar.early_fraud_warning.updated", actionable=False))
    # Then one warning row, unactionable now, waiting for the worker; no dispute
    assert answers == ["applied", "duplicate", "duplicate"]
    assert updated.json() == {"received": True, "outcome": "applied"}
    [row] = warnings(stripe_runtime)
    assert (row.warning_id, row.charge_id, row.payment_id, row.fraud_type) == (
        WARNING["id"],
        "ch_1234",
        "pi_1234",
        "misc",
    )
    assert (row.actionable, row.decision, row.amount) == (False, RefundDecision.RECORDED, None)
    assert row.work_not_before is not None
    with stripe_runtime.database.reading() as session:
        assert session.scalars(select(Dispute)).all() == []
        kept = [d.event_type for d in session.scalars(select(WebhookDelivery))]
    assert kept.count("radar.early_fraud_warning.created") == 3


@pytest.mark.parametrize(
    "changes",
    [
        {"object": "charge"},
        {"charge": None},
        {"actionable": "yes"},
        {"created": 0},
        {"fraud_type": 7},
    ],
)
def test_a_signed_event_that_is_not_a_warning_is_refused_and_kept(
    client: TestClient[Any], stripe_runtime: Runtime, changes: dict[str, Any]
) -> None:
    response = deliver(client, event(**changes))
    assert response.status_code == 400
    assert "malformed radar.early_fraud_warning.created" in response.json()["error"]
    assert warnings(stripe_runtime) == []
    with stripe_runtime.database.reading() as session:
        [kept] = session.scalars(select(WebhookDelivery)).all()
    assert kept.outcome == "rejected"


def test_a_forged_warning_leaves_no_trace(client: TestClient[Any], stripe_runtime: Runtime) -> None:
    response = deliver(client, event(), secret="whsec_not_ours_0123456789")
    assert response.status_code == 400
    assert warnings(stripe_runtime) == []
