"""The JSON API: the dispute shape, filters, keyset pages, the actions — and an OpenAPI
schema that the real responses validate against."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select

from engine.db.base import utcnow
from engine.db.models import Dispute, EvidenceState, SyncRun, WorkState
from engine.disputes.model import Status
from engine.runtime import Runtime
from engine.work.queue import WorkReason
from tests.support.engine import add_dispute
from tests.web.conftest import Client, add_evidence

DISPUTE_FIELDS = {
    "provider", "dispute_id", "account", "stage", "status", "provider_status", "reason",
    "provider_reason", "network_reason_code", "amount", "currency", "funds", "respond_by",
    "payment_id", "customer_email", "customer_name", "created_at", "updated_at", "evidence", "events",
    "fees", "decision", "expected_value",  # the second wave's fields
}  # fmt: skip
BASE = datetime(2026, 3, 1, tzinfo=UTC)


def schema_validator(client: Client, ref: str) -> Draft202012Validator:
    document = client.get("/schema/openapi.json").json()
    return Draft202012Validator(
        {"$ref": ref, "components": document["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def response_schema(client: Client, path: str, method: str, status: int) -> dict[str, Any]:
    document = client.get("/schema/openapi.json").json()
    content = document["paths"][path][method]["responses"][str(status)]["content"]
    schema: dict[str, Any] = content["application/json"]["schema"]
    return {**schema, "components": document["components"]}


def assert_matches(client: Client, path: str, method: str, status: int, body: object) -> None:
    validator = Draft202012Validator(
        response_schema(client, path, method, status),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = [error.message for error in validator.iter_errors(body)]
    assert errors == [], f"{method.upper()} {path} {status} does not match its schema"


def test_a_dispute_has_exactly_the_design_shape_with_every_field_present(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    add_dispute(runtime, "dp_1", respond_by=BASE + timedelta(days=9), occurred_at=BASE)
    add_evidence(runtime, "acme", "dp_1")
    [item] = client.get("/api/disputes", headers=bearer).json()["items"]
    assert set(item) == DISPUTE_FIELDS
    assert item["account"] is None
    assert (item["fees"], item["decision"]) == ([], None)
    assert item["amount"] == "798.29"
    assert item["currency"] == "USD"
    assert item["respond_by"] == "2026-03-10T00:00:00Z"
    assert item["provider_status"] == "raw_needs_response"
    evidence = item["evidence"]
    assert set(evidence) == {
        "state", "version", "submitted_at", "fields", "files", "readiness", "visa_ce3"
    }  # fmt: skip
    assert evidence["visa_ce3"] is None  # the processor offered no CE 3.0 for it
    # A fraud dispute needs the customer's identity and the purchase's traces besides a
    # product description.
    assert evidence["readiness"] == {
        "complete": False,
        "missing": [
            "customer_name or customer_email_address",
            "access_activity_log or customer_purchase_ip or billing_address",
        ],
    }
    assert item["customer_name"] == "Ada Lovelace"
    assert evidence["state"] == "ready"
    # Fight-or-accept weighs the packet by the same rule: built, but not complete.
    assert item["expected_value"]["packet_complete"] is False
    assert evidence["version"] == 1
    assert evidence["fields"] == {"product_description": "Design service, version 1"}
    [file] = evidence["files"]
    assert set(file) == {"kind", "url", "sha256", "bytes"}
    assert file["url"].startswith("/files/")
    assert item["events"] == [
        {
            "id": "evt_dp_1_needs_response",
            "type": "dispute.updated",
            "occurred_at": "2026-03-01T00:00:00Z",
            "status": "needs_response",
            "applied": True,
        }
    ]


def test_a_dispute_without_evidence_still_has_every_field(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    add_dispute(runtime, "dp_1")
    body = client.get("/api/disputes/acme/dp_1", headers=bearer).json()
    assert set(body) == DISPUTE_FIELDS
    assert body["evidence"] == {
        "state": "none", "version": None, "submitted_at": None, "fields": {}, "files": [],
        "visa_ce3": None,
        "readiness": {
            "complete": False,
            "missing": [
                "customer_name or customer_email_address",
                "access_activity_log or customer_purchase_ip or billing_address",
            ],
        },
    }  # fmt: skip


def test_filters_select_by_provider_status_and_stage(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    add_dispute(runtime, "dp_open")
    add_dispute(runtime, "dp_won", Status.WON)
    add_dispute(runtime, "dp_hand", provider="handpay")

    def ids(**query: str) -> set[str]:
        response = client.get("/api/disputes", params=query, headers=bearer)
        assert response.status_code == 200, response.text
        return {item["dispute_id"] for item in response.json()["items"]}

    assert ids() == {"dp_open", "dp_won", "dp_hand"}
    assert ids(provider="handpay") == {"dp_hand"}
    assert ids(status="won") == {"dp_won"}
    assert ids(status="needs_response", provider="acme") == {"dp_open"}
    assert ids(stage="chargeback") == {"dp_open", "dp_won", "dp_hand"}
    assert ids(stage="inquiry") == set()


def test_keyset_pages_cover_every_dispute_once_newest_first(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    # given disputes, some opened at the same moment (ties are broken by id)
    for n in range(23):
        add_dispute(runtime, f"dp_{n:02d}", created_at=BASE + timedelta(hours=n // 3))
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params = {"limit": "5", **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/disputes", params=params, headers=bearer).json()
        seen.extend(item["dispute_id"] for item in body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        # a dispute arriving mid-way does not shift the pages already handed out
        if pages == 2:
            add_dispute(runtime, "dp_late", created_at=BASE - timedelta(days=30))
    assert pages == 5
    assert len(seen) == len(set(seen)) == 24
    created = [f"dp_{n:02d}" for n in range(23)]
    assert seen[:23] == sorted(created, key=lambda d: (int(d[3:]) // 3, int(d[3:])), reverse=True)


@pytest.mark.parametrize(
    "query",
    [{"cursor": "not-a-cursor"}, {"limit": "0"}, {"limit": "101"}, {"status": "winning"}],
)
def test_bad_query_parameters_get_a_400_with_the_error(
    client: Client, bearer: dict[str, str], query: dict[str, str]
) -> None:
    response = client.get("/api/disputes", params=query, headers=bearer)
    assert response.status_code == 400
    assert set(response.json()) == {"error"}
    assert_matches(client, "/api/disputes", "get", 400, response.json())


def test_an_unknown_dispute_is_404(client: Client, bearer: dict[str, str]) -> None:
    response = client.get("/api/disputes/acme/dp_nope", headers=bearer)
    assert response.status_code == 404
    assert response.json() == {"error": "no acme dispute dp_nope"}


def test_regenerate_queues_new_evidence_work(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    pk = add_dispute(runtime, "dp_1", Status.UNDER_REVIEW)
    response = client.post("/api/disputes/acme/dp_1/regenerate", headers=bearer)
    assert response.status_code == 202
    assert response.json()["dispute_id"] == "dp_1"
    with runtime.database.reading() as session:
        row = session.get_one(Dispute, pk)
    assert (row.work_state, row.work_reason) == (WorkState.QUEUED, WorkReason.REGENERATE)
    assert client.post("/api/disputes/acme/nope/regenerate", headers=bearer).status_code == 404


def test_mark_sent_is_only_for_processors_without_an_evidence_api(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    add_dispute(runtime, "dp_api")
    add_evidence(runtime, "acme", "dp_api")
    refused = client.post("/api/disputes/acme/dp_api/mark-sent", headers=bearer)
    assert refused.status_code == 409
    assert "takes evidence through its API" in refused.json()["error"]


def test_mark_sent_records_the_latest_packet_as_sent_by_hand(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    add_dispute(runtime, "dp_hand", Status.OPEN, provider="handpay")
    path = "/api/disputes/handpay/dp_hand/mark-sent"
    # nothing to send yet
    assert client.post(path, headers=bearer).status_code == 409
    add_evidence(runtime, "handpay", "dp_hand", state=EvidenceState.MANUAL_REQUIRED)
    add_evidence(runtime, "handpay", "dp_hand", state=EvidenceState.MANUAL_REQUIRED)
    response = client.post(path, headers=bearer)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["evidence"]["state"] == "sent_manually"
    assert body["evidence"]["version"] == 2
    assert body["status"] == "under_review"  # open + evidence handed over
    assert any(event["type"] == "engine.evidence_sent" for event in body["events"])
    # and the same packet cannot be recorded twice
    again = client.post(path, headers=bearer)
    assert again.status_code == 409
    assert again.json() == {"error": "version 2 is already recorded as sent"}


def test_submit_queues_the_version_held_for_review(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    pk = add_dispute(runtime, "dp_held")
    path = "/api/disputes/acme/dp_held/submit"
    # nothing held yet
    refused = client.post(path, headers=bearer)
    assert refused.status_code == 409
    assert "no evidence version is held for review" in refused.json()["error"]
    # when version 1 is held, approving it queues its submission for the worker
    add_evidence(runtime, "acme", "dp_held", state=EvidenceState.READY)
    response = client.post(path, headers=bearer)
    assert response.status_code == 202, response.text
    assert_matches(
        client, "/api/disputes/{provider}/{dispute_id}/submit", "post", 202, response.json()
    )
    with runtime.database.reading() as session:
        row = session.get_one(Dispute, pk)
    assert (row.work_state, row.work_reason) == (WorkState.QUEUED, WorkReason.SUBMIT)
    # a processor without an evidence API has nothing to submit to
    add_dispute(runtime, "dp_hand", Status.OPEN, provider="handpay")
    add_evidence(runtime, "handpay", "dp_hand", state=EvidenceState.READY)
    by_hand = client.post("/api/disputes/handpay/dp_hand/submit", headers=bearer)
    assert by_hand.status_code == 409
    assert "send the packet by hand" in by_hand.json()["error"]


def test_sync_reports_the_last_run_per_provider(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    assert client.get("/api/sync", headers=bearer).json() == {}
    with runtime.database.transaction() as session:
        session.add(SyncRun(provider="acme", state="finished", started_at=BASE, finished_at=BASE,
                            seen=3, new=2, updated=1, queued=1, failed=0, errors=[]))  # fmt: skip
        session.add(SyncRun(provider="acme", state="failed", started_at=BASE + timedelta(days=1),
                            seen=0, new=0, updated=0, queued=0, failed=0, errors=[],
                            error="processor unavailable"))  # fmt: skip
    body = client.get("/api/sync", headers=bearer).json()
    assert list(body) == ["acme"]
    assert body["acme"]["state"] == "failed"
    assert body["acme"]["error"] == "processor unavailable"
    assert_matches(client, "/api/sync", "get", 200, body)


def test_the_openapi_schema_validates_the_real_responses(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    # given disputes of every kind: with evidence, without, final, by hand
    add_dispute(runtime, "dp_1", respond_by=utcnow() + timedelta(days=3))
    add_evidence(runtime, "acme", "dp_1")
    add_dispute(runtime, "dp_2", Status.WON, customer_name=None)
    add_dispute(runtime, "dp_3", Status.OPEN, provider="handpay")
    add_evidence(runtime, "handpay", "dp_3", state=EvidenceState.MANUAL_REQUIRED)
    with runtime.database.transaction() as session:
        session.add(SyncRun(provider="acme", state="finished", started_at=BASE, errors=[]))
    checks = [
        ("get", "/api/disputes", "/api/disputes", 200),
        ("get", "/api/disputes?limit=1", "/api/disputes", 200),
        ("get", "/api/disputes/acme/dp_1", "/api/disputes/{provider}/{dispute_id}", 200),
        ("get", "/api/disputes/acme/dp_2", "/api/disputes/{provider}/{dispute_id}", 200),
        ("get", "/api/disputes/acme/nope", "/api/disputes/{provider}/{dispute_id}", 404),
        ("post", "/api/disputes/acme/dp_1/regenerate",
         "/api/disputes/{provider}/{dispute_id}/regenerate", 202),
        ("post", "/api/disputes/acme/dp_1/mark-sent",
         "/api/disputes/{provider}/{dispute_id}/mark-sent", 409),
        ("post", "/api/disputes/handpay/dp_3/mark-sent",
         "/api/disputes/{provider}/{dispute_id}/mark-sent", 200),
        ("get", "/api/sync", "/api/sync", 200),
    ]  # fmt: skip
    for method, url, template, status in checks:
        response = client.request(method.upper(), url, headers=bearer)
        assert response.status_code == status, (url, response.text)
        assert_matches(client, template, method, status, response.json())
    unauthorised = client.get("/api/disputes")
    assert_matches(client, "/api/disputes", "get", 401, unauthorised.json())


def test_the_schema_documents_every_api_route_and_the_bearer_key(client: Client) -> None:
    document = client.get("/schema/openapi.json").json()
    assert set(document["paths"]) == {
        "/api/disputes",
        "/api/disputes/{provider}/{dispute_id}",
        "/api/disputes/{provider}/{dispute_id}/regenerate",
        "/api/disputes/{provider}/{dispute_id}/mark-sent",
        "/api/disputes/{provider}/{dispute_id}/submit",
        "/api/stats",
        "/api/disputes/{provider}/{dispute_id}/accept",
        "/api/sync",
        "/api/early-fraud-warnings",
        "/healthz",
        "/readyz",
    }
    scheme = document["components"]["securitySchemes"]["dashboard_key"]
    assert scheme == {"type": "http", "scheme": "bearer",
                      "description": "The dashboard key (DISPUTES_DASHBOARD_KEY)."}  # fmt: skip


def test_regenerated_work_reaches_the_worker(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    from engine.work.worker import Worker

    add_dispute(runtime, "dp_1", Status.UNDER_REVIEW)
    calls: list[tuple[int, str]] = []
    client.post("/api/disputes/acme/dp_1/regenerate", headers=bearer)
    Worker(runtime, lambda rt, pk, reason: calls.append((pk, reason)), idle_seconds=0).drain()
    with runtime.database.reading() as session:
        pk = session.scalars(select(Dispute.id)).one()
    assert calls == [(pk, WorkReason.REGENERATE)]
