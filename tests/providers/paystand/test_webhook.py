"""Paystand webhooks end to end: the emulator's events posted to the app over HTTP, the dispute
re-read from the emulator's API, the result read back from the database."""

from __future__ import annotations

import copy
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from emulators.paystand import PaystandEmulator
from emulators.paystand.faults import Fault
from engine.disputes.model import Status
from tests.providers.paystand.conftest import LiveApp, SeedSamples
from tests.providers.paystand.helpers import count_disputes, deliveries, dispute_row, event_ids

DISPUTE_ID = "l0j286qvs32jp1hcybcfpe7n"


def test_documented_events_reversed_and_duplicated_make_one_dispute(
    live_app: LiveApp,
    emulator: PaystandEmulator,
    sample_events: list[dict[str, Any]],
    seed_samples: SeedSamples,
) -> None:
    # Given the API's current state is the processing dispute (with its 35.00 fee)
    seed_samples()
    created, processing = sample_events
    # When the two documented events arrive newest first, each twice
    answers = [emulator.deliver(event) for event in (processing, created, processing, created)]
    # Then every delivery is acknowledged and there is one dispute, as the API describes it
    assert answers == [200, 200, 200, 200]
    assert count_disputes(live_app.runtime) == 1
    row = dispute_row(live_app.runtime, DISPUTE_ID)
    assert row is not None
    assert (row.stage, row.status, row.provider_status) == ("chargeback", "received", "processing")
    assert row.amount == "798.29"
    assert row.currency == "USD"
    assert row.fees == [{"amount": "35.00", "currency": "USD"}]
    assert row.reason == "fraudulent"
    assert row.payment_id == "uqyfsnsara28pmmvq97ki0y5"
    assert row.customer_email == "uluna+psx@paystand.com"
    assert row.customer_name == "Mercury Rising Technologies"
    assert row.respond_by is None
    assert row.funds == "debited"
    # And each Paystand event id is stored once; the duplicates are recorded as such
    assert sorted(event_ids(live_app.runtime, DISPUTE_ID)) == sorted(
        [created["id"], processing["id"]]
    )
    outcomes = [d["outcome"] for d in deliveries(live_app.runtime)]
    assert outcomes.count("duplicate") == 2


def test_forged_event_changes_nothing_it_claims(
    live_app: LiveApp,
    emulator: PaystandEmulator,
    sample_events: list[dict[str, Any]],
    seed_samples: SeedSamples,
) -> None:
    # Given the API says the dispute is processing
    seed_samples()
    forged = copy.deepcopy(sample_events[1])
    # When a body claims it was won, for a smaller amount and another customer
    forged["id"] = "forgedevent0000000000001"
    forged["resource"].update(
        status="won", amount="1.00", amountWon="1.00", lastUpdated="2030-01-01T00:00:00.000Z"
    )
    forged["resource"]["resource"] = {"payer": {"email": "attacker@example.com"}}
    forged["diff"] = {"previous": {"status": "processing"}, "changes": {"status": "won"}}
    response = live_app.post_webhook(forged)
    # Then what is stored is the API's word, not the body's
    assert response.status_code == 200
    row = dispute_row(live_app.runtime, DISPUTE_ID)
    assert row is not None
    assert (row.status, row.provider_status, row.amount) == ("received", "processing", "798.29")
    assert row.customer_email == "uluna+psx@paystand.com"
    assert row.funds != "reinstated"
    assert row.last_event_at.year == 2025


def test_wrong_token_answers_exactly_like_an_unknown_route(
    live_app: LiveApp, sample_events: list[dict[str, Any]], seed_samples: SeedSamples
) -> None:
    seed_samples()
    body = json.dumps(sample_events[0]).encode()
    unknown = live_app.http.post("/no/such/route", content=body)
    wrong = live_app.post_webhook(body, token="A" * 40)
    missing = live_app.http.post("/webhooks/paystand", content=body)
    assert wrong.status_code == unknown.status_code == missing.status_code == 404
    assert wrong.content == unknown.content == missing.content
    assert wrong.headers.get("content-type") == unknown.headers.get("content-type")
    # And nothing was stored, not even the delivery
    assert count_disputes(live_app.runtime) == 0
    assert deliveries(live_app.runtime) == []


@pytest.mark.parametrize(
    "body",
    [
        b"not json at all",
        b"[]",
        b'{"object": "payment", "id": "x"}',
        b'{"object": "event"}',
        b'{"object": "event", "id": ""}',
    ],
)
def test_body_that_is_not_a_paystand_event_is_refused(live_app: LiveApp, body: bytes) -> None:
    response = live_app.post_webhook(body)
    assert response.status_code == 400
    assert "not a Paystand event" in response.json()["error"]
    assert count_disputes(live_app.runtime) == 0


def test_event_about_a_payment_is_acknowledged_and_ignored(live_app: LiveApp) -> None:
    payment_event = {
        "object": "event",
        "id": "evtpayment00000000000001",
        "resource": {"object": "payment", "id": "pay1", "amount": "10.00", "status": "posted"},
        "diff": {"previous": {}, "changes": {"status": "posted"}},
        "sourceId": "pay1",
        "sourceType": "Payment",
        "status": "active",
    }
    response = live_app.post_webhook(payment_event)
    assert response.status_code == 200
    assert response.json()["outcome"] == "ignored"
    assert count_disputes(live_app.runtime) == 0
    assert deliveries(live_app.runtime)[0]["outcome"] == "ignored"


def test_dispute_unknown_to_the_api_is_refused_and_changes_nothing(
    live_app: LiveApp, sample_events: list[dict[str, Any]]
) -> None:
    # Given the API knows no dispute at all
    response = live_app.post_webhook(sample_events[1])
    assert response.status_code == 400
    assert "does not know dispute" in response.json()["error"]
    assert count_disputes(live_app.runtime) == 0
    assert deliveries(live_app.runtime)[0]["outcome"] == "rejected"


def test_api_failure_answers_503_so_paystand_retries(
    live_app: LiveApp,
    emulator: PaystandEmulator,
    sample_events: list[dict[str, Any]],
    seed_samples: SeedSamples,
) -> None:
    seed_samples()
    emulator.state.faults.error_rate = 1.0
    response = live_app.post_webhook(sample_events[1])
    assert response.status_code == 503
    assert count_disputes(live_app.runtime) == 0
    # When the API recovers, Paystand's retry of the same event goes through
    emulator.state.faults.error_rate = 0.0
    assert live_app.post_webhook(sample_events[1]).status_code == 200
    assert count_disputes(live_app.runtime) == 1


def test_api_that_hangs_answers_503(
    live_app: LiveApp,
    emulator: PaystandEmulator,
    sample_events: list[dict[str, Any]],
    seed_samples: SeedSamples,
) -> None:
    seed_samples()
    emulator.state.faults.hang_rate = 1.0
    emulator.state.faults.hang_seconds = 3
    response = live_app.post_webhook(sample_events[1])
    assert response.status_code == 503
    assert count_disputes(live_app.runtime) == 0


@pytest.mark.parametrize(
    ("vocabulary", "expected"),
    [
        (
            ["processing", "acceptingEvidence", "underReview", "won"],
            ["received", "needs_response", "under_review", "won"],
        ),
        (["processing", "active", "lost"], ["received", "open", "lost"]),
        (["processing", "active", "failed"], ["received", "open", "failed"]),
    ],
)
def test_each_status_vocabulary_end_to_end(
    live_app: LiveApp, emulator: PaystandEmulator, vocabulary: list[str], expected: list[str]
) -> None:
    dispute, created = emulator.state.create_dispute(amount="120.50")
    assert emulator.deliver(created) == 200
    seen = []
    for status in vocabulary:
        event = emulator.state.transition(dispute["id"], status)
        assert emulator.deliver(event) == 200
        row = dispute_row(live_app.runtime, dispute["id"])
        assert row is not None
        seen.append(row.status)
    assert seen == expected
    assert row is not None
    assert row.amount == "120.50"
    assert row.fees == [{"amount": "35.00", "currency": "USD"}]
    if "failed" in vocabulary:
        assert row.status == Status.FAILED.value
        assert not Status.FAILED.is_final  # lands where a human sees it, not closed away


def test_unknown_future_status_is_kept_raw_not_a_crash(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    dispute, created = emulator.state.create_dispute()
    emulator.deliver(created)
    event = emulator.state.transition(dispute["id"], "preArbitrationPending", reason="mystery")
    assert emulator.deliver(event) == 200
    row = dispute_row(live_app.runtime, dispute["id"])
    assert row is not None
    assert (row.status, row.provider_status) == ("open", "preArbitrationPending")
    assert (row.reason, row.provider_reason) == ("general", "mystery")


def test_late_old_event_does_not_roll_back_a_final_outcome(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    # Given a won dispute, whose old events arrive only now (Paystand guarantees no order)
    dispute, created = emulator.state.create_dispute()
    processing = emulator.state.transition(dispute["id"], "processing")
    won = emulator.state.transition(dispute["id"], "won", amountWon="798.29")
    for event in (won, processing, created):
        assert emulator.deliver(event) == 200
    row = dispute_row(live_app.runtime, dispute["id"])
    assert row is not None
    assert (row.status, row.funds) == ("won", "reinstated")


@pytest.mark.parametrize("source_id", [None, "", "abc?f.limit=1", "../oauth/token", "a b"])
def test_dispute_event_without_a_usable_source_id_is_refused(
    live_app: LiveApp, sample_events: list[dict[str, Any]], source_id: str | None
) -> None:
    event = copy.deepcopy(sample_events[1])
    event["sourceId"] = source_id
    response = live_app.post_webhook(event)
    assert response.status_code == 400
    assert "valid sourceId" in response.json()["error"]
    assert count_disputes(live_app.runtime) == 0


def test_the_same_event_delivered_concurrently_is_stored_once(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    dispute, _ = emulator.state.create_dispute()
    event = emulator.state.transition(dispute["id"], "processing")
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: emulator.deliver(event), range(12)))
    assert answers == [200] * 12
    assert event_ids(live_app.runtime, dispute["id"]) == [event["id"]]
    outcomes = [d["outcome"] for d in deliveries(live_app.runtime)]
    assert sorted(set(outcomes)) == ["applied", "duplicate"]
    assert outcomes.count("applied") == 1


def test_paystand_refusing_our_read_is_retried_later_not_acknowledged(
    live_app: LiveApp,
    emulator: PaystandEmulator,
    sample_events: list[dict[str, Any]],
    seed_samples: SeedSamples,
) -> None:
    seed_samples()
    emulator.state.faults.queued.append(Fault("error", 403))
    assert live_app.post_webhook(sample_events[1]).status_code == 503
    assert live_app.post_webhook(sample_events[1]).status_code == 200
