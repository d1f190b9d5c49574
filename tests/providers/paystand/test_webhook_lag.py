"""Paystand's API lagging behind its own webhook, end to end: the emulator delivers to the app
over HTTP while its API is set to show an older state than the event announces."""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from emulators.paystand import PaystandEmulator
from emulators.paystand.wire import iso
from tests.providers.paystand.conftest import LiveApp
from tests.providers.paystand.helpers import deliveries, dispute_row, stored_events


def opened_dispute(emulator: PaystandEmulator) -> tuple[dict[str, Any], dict[str, Any]]:
    """A dispute whose creation the engine has applied; returns (resource, creation event)."""
    dispute, created = emulator.state.create_dispute(amount="250.00")
    assert emulator.deliver(created) == 200
    return dispute, created


def roll_back(emulator: PaystandEmulator, event: dict[str, Any]) -> None:
    """Make the API show the state from before ``event``: what a lagging read returns."""
    emulator.state.set_state(event["sourceId"], **copy.deepcopy(event["diff"]["previous"]))


def test_event_ahead_of_the_api_waits_for_the_api_then_applies_its_state(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    # Given an applied dispute that Paystand then moved to processing
    dispute, created = opened_dispute(emulator)
    processing = emulator.state.transition(dispute["id"], "processing")
    caught_up = emulator.state.get_dispute(dispute["id"])
    # And Paystand's API still shows the older state (older lastUpdated) when the event arrives
    roll_back(emulator, processing)
    assert emulator.state.get_dispute(dispute["id"])["lastUpdated"] < caught_up["lastUpdated"]
    # When Paystand delivers the processing event
    answer = emulator.deliver(processing)
    # Then it is told to retry, and nothing is stored: not the event, not the delivery
    assert answer == 503
    assert list(stored_events(live_app.runtime, dispute["id"])) == [created["id"]]
    assert [d["event_id"] for d in deliveries(live_app.runtime)] == [created["id"]]
    row = dispute_row(live_app.runtime, dispute["id"])
    assert row is not None
    assert (row.provider_status, row.fees) == ("created", [])
    # When the API catches up and Paystand retries the very same delivery
    emulator.state.put_dispute(caught_up)
    answer = emulator.deliver(processing)
    # Then the event is stored under its own id, with the API's state
    assert answer == 200
    assert stored_events(live_app.runtime, dispute["id"]) == {
        created["id"]: "created",
        processing["id"]: "processing",
    }
    row = dispute_row(live_app.runtime, dispute["id"])
    assert row is not None
    assert (row.status, row.provider_status) == ("received", "processing")
    assert row.fees == [{"amount": "35.00", "currency": "USD"}]
    assert [d["outcome"] for d in deliveries(live_app.runtime)] == ["applied", "applied"]
    assert emulator.deliveries == [
        (created["id"], 200),
        (processing["id"], 503),
        (processing["id"], 200),
    ]


def test_retry_after_the_api_moved_further_applies_the_api_state_not_the_body(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    # Given a processing event deferred because the API lagged
    dispute, _ = opened_dispute(emulator)
    processing = emulator.state.transition(dispute["id"], "processing")
    roll_back(emulator, processing)
    assert emulator.deliver(processing) == 503
    # When the API catches up and moves on to won before Paystand's retry
    emulator.state.set_state(dispute["id"], **processing["diff"]["changes"])
    emulator.state.transition(dispute["id"], "won", amountWon="250.00")
    assert emulator.deliver(processing) == 200
    # Then the processing event's id carries the API's (newer) state, as the body is a hint
    assert stored_events(live_app.runtime, dispute["id"])[processing["id"]] == "won"
    row = dispute_row(live_app.runtime, dispute["id"])
    assert row is not None
    assert (row.status, row.funds) == ("won", "reinstated")


def test_body_older_than_the_api_is_applied_with_the_api_newer_state(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    # Given the API already shows the dispute lost, newer than the processing event
    dispute, _ = opened_dispute(emulator)
    processing = emulator.state.transition(dispute["id"], "processing")
    emulator.state.transition(dispute["id"], "lost")
    # When the processing event arrives late
    assert emulator.deliver(processing) == 200
    # Then it is applied at once, with the API's state
    assert stored_events(live_app.runtime, dispute["id"])[processing["id"]] == "lost"
    row = dispute_row(live_app.runtime, dispute["id"])
    assert row is not None
    assert (row.status, row.provider_status) == ("lost", "lost")


def test_forged_recent_claim_is_refused_alone_and_the_real_delivery_goes_through(
    live_app: LiveApp, emulator: PaystandEmulator
) -> None:
    # Given a real processing event the API already shows
    dispute, _ = opened_dispute(emulator)
    processing = emulator.state.transition(dispute["id"], "processing")
    # When a forged copy with the same event id claims a newer change than the API shows
    forged = copy.deepcopy(processing)
    forged["resource"].update(
        status="won", lastUpdated=iso(datetime.now(UTC) + timedelta(minutes=5))
    )
    response = live_app.post_webhook(forged)
    # Then only that delivery is refused, and it stored nothing
    assert response.status_code == 503
    assert processing["id"] not in stored_events(live_app.runtime, dispute["id"])
    # And the real delivery of the same event id is judged on its own and applied
    assert emulator.deliver(processing) == 200
    assert stored_events(live_app.runtime, dispute["id"])[processing["id"]] == "processing"


def test_forged_far_future_claim_is_not_a_refusal_without_end(
    live_app: LiveApp, emulator: PaystandEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    # Given the API shows the dispute processing
    dispute, _ = opened_dispute(emulator)
    event = emulator.state.transition(dispute["id"], "processing")
    # When a body claims the dispute was won in 2999
    forged = copy.deepcopy(event)
    forged["resource"].update(status="won", lastUpdated="2999-01-01T00:00:00.000Z")
    with caplog.at_level(logging.WARNING, logger="disputes.paystand"):
        response = live_app.post_webhook(forged)
    # Then the hint is ignored: the API's state is applied and acknowledged, with a trace
    assert response.status_code == 200
    assert stored_events(live_app.runtime, dispute["id"])[event["id"]] == "processing"
    assert deliveries(live_app.runtime)[-1]["outcome"] == "applied"
    assert any(
        "in the future" in r.getMessage() and "2999-01-01T00:00:00" in r.getMessage()
        for r in caplog.records
    )


def test_claim_the_api_never_catches_up_with_is_applied_once_waited_long_enough(
    live_app: LiveApp, emulator: PaystandEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a dispute the API last changed a month ago
    now = datetime.now(UTC)
    dispute, created = emulator.state.create_dispute(created=now - timedelta(days=30))
    # When an event claims a change two hours ago that the API still does not show
    late = copy.deepcopy(created)
    late["id"] = "lateevent000000000000001"
    late["resource"].update(status="processing", lastUpdated=iso(now - timedelta(hours=2)))
    with caplog.at_level(logging.WARNING, logger="disputes.paystand"):
        answer = emulator.deliver(late)
    # Then the engine stops waiting: the API's state is applied under the event id, and logged
    assert answer == 200
    assert stored_events(live_app.runtime, dispute["id"]) == {late["id"]: "created"}
    claimed = (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    assert any(
        "still shows dispute" in r.getMessage() and f"event's {claimed}" in r.getMessage()
        for r in caplog.records
    )
