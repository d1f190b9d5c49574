"""Webhook routes come from the provider plugins by id: a third-party provider (the test
``acme`` plugin) gets ``/webhooks/acme`` without a line of ``web/`` knowing it."""

from __future__ import annotations

import msgspec
from sqlalchemy import select

from engine.db.models import Dispute, WorkState
from engine.runtime import Runtime
from tests.support.acme import WEBHOOK_SECRET
from tests.web.conftest import Client


def body(event_id: str = "evt_1", status: str = "needs_response") -> bytes:
    return msgspec.json.encode(
        {"id": event_id, "type": "dispute.updated", "dispute_id": "dp_1", "status": status}
    )


def test_a_plugin_provider_receives_webhooks_at_its_own_path(
    client: Client, runtime: Runtime
) -> None:
    response = client.post(
        "/webhooks/acme", content=body(), headers={"x-acme-secret": WEBHOOK_SECRET}
    )
    assert response.status_code == 200
    assert response.json() == {"received": True, "outcome": "applied"}
    # the webhook only queued the evidence work; nothing was built on the request path
    with runtime.database.reading() as session:
        dispute = session.scalars(select(Dispute)).one()
    assert dispute.work_state == WorkState.QUEUED
    assert dispute.evidence_state == "none"
    again = client.post("/webhooks/acme", content=body(), headers={"x-acme-secret": WEBHOOK_SECRET})
    assert again.json() == {"received": True, "outcome": "duplicate"}


def test_a_path_token_route_exists_for_every_provider(client: Client) -> None:
    response = client.post(
        "/webhooks/handpay/some-token", content=body(), headers={"x-acme-secret": WEBHOOK_SECRET}
    )
    assert response.status_code == 200


def test_forged_and_unknown_deliveries_are_refused(client: Client) -> None:
    forged = client.post("/webhooks/acme", content=body(), headers={"x-acme-secret": "nope"})
    assert forged.status_code == 400
    assert client.post("/webhooks/nobody", content=body()).status_code == 404


def test_webhooks_need_no_dashboard_key_or_csrf(client: Client) -> None:
    response = client.post(
        "/webhooks/acme", content=body("evt_2"), headers={"x-acme-secret": WEBHOOK_SECRET}
    )
    assert response.status_code == 200
