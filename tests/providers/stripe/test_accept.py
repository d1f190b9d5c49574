"""Accepting a Stripe dispute: one close at Stripe, whatever the number of requests, from the
API and the CLI; the status reads ``accepted`` and ``decision`` says so."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from emulators.stripe import StripeEmulator
from engine.db.migrate import upgrade
from engine.db.models import Dispute
from engine.decisions import AcceptOutcome, AcceptRefused, accept_dispute
from engine.disputes.sync import sync_provider
from engine.runtime import Runtime
from engine.testing import MakeSettings
from web.app import create_app
from web.cli import main

KEY = "dashboard-key-for-accept-tests-0123"
CLOSE = r"/v1/disputes/dp_\w+/close"


@pytest.fixture
def runtime(make_settings: MakeSettings, stripe_env: dict[str, str]) -> Iterator[Runtime]:
    engine = Runtime(make_settings(dashboard_key=KEY, **stripe_env))
    upgrade(engine.database)
    yield engine
    engine.close()


@pytest.fixture
def api(runtime: Runtime) -> Iterator[TestClient[Any]]:
    with TestClient(app=create_app(runtime)) as test_client:
        test_client.headers["Authorization"] = f"Bearer {KEY}"
        yield test_client


def synced(runtime: Runtime, emulator: StripeEmulator, **options: Any) -> str:
    dispute = emulator.state.add_dispute(**options)
    sync_provider(runtime, "stripe")
    return str(dispute["id"])


def row(runtime: Runtime, dispute_id: str) -> Dispute:
    with runtime.database.reading() as session:
        return session.scalars(select(Dispute).where(Dispute.dispute_id == dispute_id)).one()


def test_accepting_twice_through_the_api_closes_once_and_reads_accepted(
    runtime: Runtime, api: TestClient[Any], stripe_emulator: StripeEmulator
) -> None:
    # Given an open chargeback the engine knows
    dispute_id = synced(runtime, stripe_emulator)
    assert api.get(f"/api/disputes/stripe/{dispute_id}").json()["decision"] is None
    # When a person accepts it twice
    first = api.post(f"/api/disputes/stripe/{dispute_id}/accept")
    second = api.post(f"/api/disputes/stripe/{dispute_id}/accept")
    # Then both answer with the accepted dispute, and Stripe closed it once
    assert (first.status_code, second.status_code) == (200, 200)
    for body in (first.json(), second.json()):
        assert (body["status"], body["decision"]) == ("accepted", "accepted")
        assert body["provider_status"] == "lost"
    closes = stripe_emulator.requests_for("POST", CLOSE)
    assert len(closes) == 1
    assert closes[0].idempotency_key == f"accept:stripe:{dispute_id}:chargeback:close"
    assert stripe_emulator.state.dispute(dispute_id)["status"] == "lost"


def test_concurrent_acceptances_send_one_idempotency_key(
    runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    dispute_id = synced(runtime, stripe_emulator)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: accept_dispute(runtime, "stripe", dispute_id), range(4)))
    assert AcceptOutcome.ACCEPTED in {result.outcome for result in results}
    keys = {r.idempotency_key for r in stripe_emulator.requests_for("POST", CLOSE)}
    assert keys == {f"accept:stripe:{dispute_id}:chargeback:close"}
    assert stripe_emulator.state.dispute(dispute_id)["status"] == "lost"
    assert row(runtime, dispute_id).status == "accepted"


def test_the_stripe_lost_webhook_after_accepting_still_reads_accepted(
    runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    dispute_id = synced(runtime, stripe_emulator)
    accept_dispute(runtime, "stripe", dispute_id)
    # a later sync (as a webhook would) brings Stripe's own "lost" once more
    sync_provider(runtime, "stripe")
    assert (row(runtime, dispute_id).status, row(runtime, dispute_id).provider_status) == (
        "accepted",
        "lost",
    )


def test_an_accepted_inquiry_reads_accepted(
    runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    dispute_id = synced(runtime, stripe_emulator, status="warning_needs_response")
    accept_dispute(runtime, "stripe", dispute_id)
    assert stripe_emulator.state.dispute(dispute_id)["status"] == "warning_closed"
    assert row(runtime, dispute_id).status == "accepted"


def test_a_won_dispute_cannot_be_accepted_409_and_nothing_is_sent(
    runtime: Runtime, api: TestClient[Any], stripe_emulator: StripeEmulator
) -> None:
    dispute_id = synced(runtime, stripe_emulator, status="won")
    response = api.post(f"/api/disputes/stripe/{dispute_id}/accept")
    assert response.status_code == 409
    assert response.json() == {"error": "the dispute is already won"}
    assert stripe_emulator.requests_for("POST", CLOSE) == []
    with pytest.raises(AcceptRefused):
        accept_dispute(runtime, "stripe", dispute_id)


def test_an_unknown_dispute_is_404(api: TestClient[Any]) -> None:
    response = api.post("/api/disputes/stripe/dp_nope/accept")
    assert response.status_code == 404
    assert "dp_nope" in response.json()["error"]


def test_the_cli_accepts_and_says_so_with_exit_codes(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    stripe_env: dict[str, str],
    stripe_emulator: StripeEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DISPUTES_DATA_DIR", str(tmp_path / "data"))
    for name, value in stripe_env.items():
        monkeypatch.setenv(f"DISPUTES_{name.upper()}", value)
    open_id = str(stripe_emulator.state.add_dispute()["id"])
    won_id = str(stripe_emulator.state.add_dispute(status="won")["id"])
    assert main(["sync"]) == 0
    capsys.readouterr()
    assert main(["accept", "stripe", open_id]) == 0
    assert "closed at Stripe" in capsys.readouterr().out
    assert main(["accept", "stripe", open_id]) == 0
    assert "already accepted" in capsys.readouterr().out
    assert main(["accept", "stripe", won_id]) == 1
    assert "already won" in capsys.readouterr().err
    assert main(["accept", "stripe", "dp_unknown"]) == 1
    assert len(stripe_emulator.requests_for("POST", CLOSE)) == 1


def test_stripes_dispute_fee_comes_from_the_balance_transactions_into_the_json(
    runtime: Runtime, api: TestClient[Any], stripe_emulator: StripeEmulator
) -> None:
    debited = synced(runtime, stripe_emulator, amount=2500, currency="eur")
    inquiry = synced(runtime, stripe_emulator, status="warning_needs_response")
    body = api.get(f"/api/disputes/stripe/{debited}").json()
    assert body["fees"] == [{"amount": "15.00", "currency": "EUR", "kind": "dispute_fee"}]
    assert api.get(f"/api/disputes/stripe/{inquiry}").json()["fees"] == []
