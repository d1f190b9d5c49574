"""The Paystand emulator is strict where Paystand is: it is only useful if it refuses what the
real API refuses."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from emulators.paystand import PaystandEmulator

CREDENTIALS = {"client_id": "cid", "client_secret": "csecret", "customer_id": "cust"}


@pytest.fixture
def emulator() -> Iterator[PaystandEmulator]:
    with PaystandEmulator(**CREDENTIALS) as running:  # type: ignore[arg-type]
        yield running


def token(emulator: PaystandEmulator) -> str:
    response = httpx.post(
        f"{emulator.url}/oauth/token",
        json={
            "grant_type": "client_credentials",
            "client_id": "cid",
            "client_secret": "csecret",
            "scope": "auth",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    return str(body["access_token"])


def api(emulator: PaystandEmulator, path: str, **params: str) -> httpx.Response:
    return httpx.get(
        f"{emulator.url}{path}",
        params=params,
        headers={"authorization": f"Bearer {token(emulator)}", "x-customer-id": "cust"},
    )


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "password", "client_id": "cid", "client_secret": "csecret", "scope": "auth"},
        {
            "grant_type": "client_credentials",
            "client_id": "cid",
            "client_secret": "x",
            "scope": "auth",
        },
        {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "csecret"},
    ],
)
def test_token_needs_client_credentials_and_scope_auth(
    emulator: PaystandEmulator, form: dict[str, str]
) -> None:
    response = httpx.post(f"{emulator.url}/oauth/token", data=form)
    assert response.status_code in {400, 401}
    assert emulator.state.token_requests == 1


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-customer-id": "cust"},
        {"authorization": "Bearer not-a-token", "x-customer-id": "cust"},
        {"authorization": "Basic abc", "x-customer-id": "cust"},
    ],
)
def test_api_calls_without_a_live_token_are_401(
    emulator: PaystandEmulator, headers: dict[str, str]
) -> None:
    assert httpx.get(f"{emulator.url}/disputes", headers=headers).status_code == 401


def test_api_calls_without_the_customer_id_are_401(emulator: PaystandEmulator) -> None:
    bearer = {"authorization": f"Bearer {token(emulator)}"}
    assert httpx.get(f"{emulator.url}/disputes", headers=bearer).status_code == 401
    wrong = {**bearer, "x-customer-id": "other"}
    assert httpx.get(f"{emulator.url}/disputes", headers=wrong).status_code == 401


def test_tokens_expire() -> None:
    with PaystandEmulator(**CREDENTIALS, token_ttl=0.3) as emulator:  # type: ignore[arg-type]
        headers = {"authorization": f"Bearer {token(emulator)}", "x-customer-id": "cust"}
        assert httpx.get(f"{emulator.url}/disputes", headers=headers).status_code == 200
        time.sleep(0.4)
        assert httpx.get(f"{emulator.url}/disputes", headers=headers).status_code == 401


def test_offset_pagination_with_the_count(emulator: PaystandEmulator) -> None:
    ids = [emulator.state.create_dispute()[0]["id"] for _ in range(7)]
    first = api(emulator, "/disputes", **{"f.limit": "3"}).json()
    rest = api(emulator, "/disputes", **{"f.limit": "3", "f.offset": "3"}).json()
    last = api(emulator, "/disputes", **{"f.limit": "3", "f.offset": "6"}).json()
    assert first["count"] == rest["count"] == last["count"] == 7
    pages = [d["id"] for page in (first, rest, last) for d in page["results"]]
    assert sorted(pages) == sorted(ids)
    assert len(api(emulator, "/disputes").json()["results"]) == 7  # default limit 50


@pytest.mark.parametrize("params", [{"f.limit": "0"}, {"f.limit": "x"}, {"f.offset": "-1"}])
def test_bad_pagination_is_400(emulator: PaystandEmulator, params: dict[str, str]) -> None:
    assert api(emulator, "/disputes", **params).status_code == 400


def test_date_filters(emulator: PaystandEmulator) -> None:
    old, _ = emulator.state.create_dispute(created=datetime(2025, 1, 10, tzinfo=UTC))
    new, _ = emulator.state.create_dispute(created=datetime(2025, 7, 15, tzinfo=UTC))
    dated = {
        "f.querytype": "by-query-filters",
        "f.datepreset": "custom",
        "f.datestart": "2025-07-01",
        "f.dateend": "2025-07-31",
        "f.datetype": "created",
    }
    body = api(emulator, "/disputes", **dated).json()
    assert [d["id"] for d in body["results"]] == [new["id"]]
    assert body["count"] == 1
    without_querytype = {k: v for k, v in dated.items() if k != "f.querytype"}
    assert api(emulator, "/disputes", **without_querytype).status_code == 400
    assert api(emulator, "/disputes", **{**dated, "f.datestart": "07/01/2025"}).status_code == 400
    assert api(emulator, "/disputes", **{**dated, "f.datetype": "closed"}).status_code == 400
    updated = {**dated, "f.datetype": "lastUpdated", "f.datestart": "2025-01-01"}
    assert api(emulator, "/disputes", **updated).json()["count"] == 2
    assert old["id"] != new["id"]


def test_one_dispute_and_unknown_ids(emulator: PaystandEmulator) -> None:
    dispute, _ = emulator.state.create_dispute(amount="10.05")
    body = api(emulator, f"/disputes/{dispute['id']}").json()
    assert (body["amount"], body["currency"], body["status"]) == ("10.05", "USD", "created")
    assert api(emulator, "/disputes/nope").status_code == 404


def test_events_carry_paystands_envelope_and_can_be_verified(emulator: PaystandEmulator) -> None:
    dispute, _ = emulator.state.create_dispute()
    event = emulator.state.transition(dispute["id"], "processing")
    assert event["object"] == "event"
    assert (event["sourceType"], event["sourceId"]) == ("Dispute", dispute["id"])
    assert event["diff"]["previous"]["status"] == "created"
    assert event["diff"]["changes"]["status"] == "processing"
    assert event["diff"]["changes"]["fees"][0]["amount"] == "35.00"
    assert event["resource"]["status"] == "processing"
    assert event["status"] == "active"
    assert event["created"] == event["lastUpdated"] == event["resource"]["lastUpdated"]
    headers = {"authorization": f"Bearer {token(emulator)}", "x-customer-id": "cust"}
    verified = httpx.post(f"{emulator.url}/events/{event['id']}/verify", headers=headers)
    assert verified.json()["id"] == event["id"]
    forged = httpx.post(f"{emulator.url}/events/forged/verify", headers=headers)
    assert forged.status_code == 404


def test_timestamps_increase_even_for_quick_transitions(emulator: PaystandEmulator) -> None:
    dispute, created = emulator.state.create_dispute()
    events = [emulator.state.transition(dispute["id"], s) for s in ("processing", "active", "won")]
    stamps = [created["resource"]["lastUpdated"]] + [e["resource"]["lastUpdated"] for e in events]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == 4


def test_set_state_changes_the_api_without_an_event(emulator: PaystandEmulator) -> None:
    dispute, _ = emulator.state.create_dispute()
    emulator.state.set_state(dispute["id"], status="won")
    assert api(emulator, f"/disputes/{dispute['id']}").json()["status"] == "won"


def test_injected_faults_hit_the_api_not_the_token_endpoint(emulator: PaystandEmulator) -> None:
    emulator.state.faults.error_rate = 1.0
    assert api(emulator, "/disputes").status_code == 500  # token() itself succeeded
    emulator.state.faults.error_rate = 0.0
    emulator.state.faults.hang_rate = 1.0
    emulator.state.faults.hang_seconds = 1.0
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(
            f"{emulator.url}/disputes",
            headers={"authorization": f"Bearer {token(emulator)}", "x-customer-id": "cust"},
            timeout=0.2,
        )


def test_events_are_delivered_to_the_webhook_url(emulator: PaystandEmulator) -> None:
    received: list[dict[str, Any]] = []
    with _Receiver(received) as url:
        emulator.webhook_url = url
        _, created = emulator.state.create_dispute()
        assert emulator.deliver(created) == 200
    assert received[0]["id"] == created["id"]
    assert emulator.deliveries == [(created["id"], 200)]


def test_runs_as_a_module(tmp_path: Any) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "emulators.paystand", "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert f"127.0.0.1:{port}/v3" in process.stdout.readline()
        created = httpx.post(f"http://127.0.0.1:{port}/_emulator/disputes", json={"amount": "5.00"})
        assert created.json()["event"]["resource"]["amount"] == "5.00"
    finally:
        process.terminate()
        process.wait(timeout=10)


class _Receiver:
    """A one-route HTTP server that records what is posted to it."""

    def __init__(self, received: list[dict[str, Any]]) -> None:
        from http.server import BaseHTTPRequestHandler, HTTPServer
        from threading import Thread

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["content-length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = HTTPServer(("127.0.0.1", 0), Handler)
        self._thread = Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
