"""POST /webhooks/stripe through the real app: signatures, decoding, the lifecycle."""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import stripe
from litestar.testing import TestClient
from sqlalchemy import func, select

from emulators.stripe import sign
from engine.db.models import Dispute, DisputeEventRow, WebhookDelivery
from engine.runtime import Runtime
from tests.providers.stripe.conftest import OLD_WEBHOOK_SECRET, WEBHOOK_SECRET, load_fixture


def post(client: TestClient[Any], body: bytes, signature: str | None) -> tuple[int, dict[str, Any]]:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["Stripe-Signature"] = signature
    response = client.post("/webhooks/stripe", content=body, headers=headers)
    return response.status_code, response.json()


def signed_post(client: TestClient[Any], body: bytes, secret: str = WEBHOOK_SECRET) -> int:
    status, _ = post(client, body, sign(body, secret, int(time.time())))
    return status


def counts(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.database.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(Dispute)) or 0,
            session.scalar(select(func.count()).select_from(DisputeEventRow)) or 0,
            session.scalar(select(func.count()).select_from(WebhookDelivery)) or 0,
        )


def test_lifecycle_won_shuffled_with_duplicates_ends_won_and_reinstated(
    client: TestClient[Any], stripe_runtime: Runtime, fixtures_dir: Path
) -> None:
    # Given the five events of a won dispute, each twice, in a random order
    events = load_fixture(fixtures_dir, "lifecycle_won.json")
    deliveries = [json.dumps(event).encode() for event in events] * 2
    random.Random(7).shuffle(deliveries)
    # When Stripe delivers them
    statuses = [signed_post(client, body) for body in deliveries]
    # Then every delivery is acknowledged and one dispute is won with its money back
    assert statuses == [200] * len(deliveries)
    with stripe_runtime.database.reading() as session:
        disputes = session.scalars(select(Dispute)).all()
        assert len(disputes) == 1
        dispute = disputes[0]
        assert (dispute.dispute_id, dispute.stage, dispute.status) == (
            "dp_1QexampleDisputeA01",
            "chargeback",
            "won",
        )
        assert dispute.funds == "reinstated"
        assert (dispute.amount, dispute.currency) == ("49.00", "USD")
        assert dispute.network_reason_code == "10.4"
        assert session.scalar(select(func.count()).select_from(DisputeEventRow)) == 5


def test_every_order_of_the_lifecycle_gives_the_same_dispute(
    make_settings: Any, stripe_env: dict[str, str], fixtures_dir: Path, tmp_path: Path
) -> None:
    from engine.db.migrate import upgrade
    from web.app import create_app

    events = load_fixture(fixtures_dir, "lifecycle_won.json")
    results = set()
    for seed in range(4):
        order = list(events)
        random.Random(seed).shuffle(order)
        runtime = Runtime(make_settings(**stripe_env, data_dir=str(tmp_path / f"order{seed}")))
        upgrade(runtime.database)
        with TestClient(app=create_app(runtime)) as client:
            for event in order:
                assert signed_post(client, json.dumps(event).encode()) == 200
        with runtime.database.reading() as session:
            row = session.scalars(select(Dispute)).one()
            results.add((row.stage, row.status, row.funds, row.provider_status))
        runtime.close()
    assert results == {("chargeback", "won", "reinstated", "won")}


def test_forged_stale_and_future_signatures_are_rejected_and_nothing_is_stored(
    client: TestClient[Any], stripe_runtime: Runtime, fixtures_dir: Path
) -> None:
    body = json.dumps(load_fixture(fixtures_dir, "lifecycle_won.json")[0]).encode()
    now = int(time.time())
    attempts = {
        "missing": None,
        "forged": sign(body, "whsec_not_ours_at_all", now),
        "tampered body": sign(body + b" ", WEBHOOK_SECRET, now),
        "stale": sign(body, WEBHOOK_SECRET, now - 301),
        "far future": sign(body, WEBHOOK_SECRET, now + 3600),
        "garbage header": "this is not a signature",
        "no v1": f"t={now},v0=abc",
    }
    for name, signature in attempts.items():
        status, answer = post(client, body, signature)
        assert status == 400, name
        assert "signature" in answer["error"], name
    assert counts(stripe_runtime) == (0, 0, 0)


def test_stripe_pythons_own_signature_header_is_accepted(
    client: TestClient[Any], fixtures_dir: Path
) -> None:
    body = json.dumps(load_fixture(fixtures_dir, "lifecycle_won.json")[0])
    header = stripe.WebhookSignature.generate_signature_header(body, WEBHOOK_SECRET)
    assert post(client, body.encode(), header)[0] == 200


def test_a_rotated_secret_still_verifies(
    client: TestClient[Any], stripe_runtime: Runtime, fixtures_dir: Path
) -> None:
    body = json.dumps(load_fixture(fixtures_dir, "lifecycle_won.json")[0]).encode()
    assert signed_post(client, body, OLD_WEBHOOK_SECRET) == 200
    assert counts(stripe_runtime)[0] == 1


def test_malformed_json_with_a_valid_signature_is_a_400(
    client: TestClient[Any], stripe_runtime: Runtime
) -> None:
    for body in (
        b"{not json",
        b'{"id": "evt_1"}',
        b'{"id": "evt_2", "type": "charge.dispute.'
        b'created", "created": 1763700001, "data": {"object": {"id": "dp_x"}}}',
    ):
        assert signed_post(client, body) == 400
    # Authentic but unreadable bodies are kept for a person to look at; no dispute is made.
    disputes, events, deliveries = counts(stripe_runtime)
    assert (disputes, events) == (0, 0)
    assert deliveries == 3


def test_a_body_over_one_megabyte_is_refused_with_413(client: TestClient[Any]) -> None:
    body = b'{"padding": "' + b"x" * (1024 * 1024) + b'"}'
    assert signed_post(client, body) == 413


def test_an_unrelated_event_is_acknowledged_and_ignored(
    client: TestClient[Any], stripe_runtime: Runtime, fixtures_dir: Path
) -> None:
    body = json.dumps(load_fixture(fixtures_dir, "unrelated_charge_succeeded.json")).encode()
    status, answer = post(client, body, sign(body, WEBHOOK_SECRET, int(time.time())))
    assert (status, answer["outcome"]) == (200, "ignored")
    assert counts(stripe_runtime) == (0, 0, 1)


def test_an_open_dispute_event_queues_evidence_work_but_does_none_in_the_request(
    client: TestClient[Any], stripe_runtime: Runtime, stripe_emulator: Any, fixtures_dir: Path
) -> None:
    body = json.dumps(load_fixture(fixtures_dir, "lifecycle_won.json")[0]).encode()
    assert signed_post(client, body) == 200
    with stripe_runtime.database.reading() as session:
        dispute = session.scalars(select(Dispute)).one()
        assert (dispute.status, dispute.work_state) == ("needs_response", "queued")
    assert stripe_emulator.requests == []  # nothing was sent to Stripe from the request
