"""The rule deciding whether Paystand's API has caught up with a webhook: its boundaries, and
how the body's claim is read (leniently: a claim that cannot be read is no claim)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from providers.paystand.freshness import (
    CLOCK_SKEW,
    PATIENCE,
    Freshness,
    claimed_last_updated,
    judge,
)

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
API = NOW - timedelta(days=3)
"""The API's lastUpdated: the dispute's previous change, days before the new event."""
MS = timedelta(milliseconds=1)


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        (None, Freshness.CURRENT),
        (API - timedelta(days=1), Freshness.CURRENT),
        (API, Freshness.CURRENT),
        (API + MS, Freshness.WAITED_ENOUGH),  # ahead of the API, but days ago
        (NOW - PATIENCE - MS, Freshness.WAITED_ENOUGH),
        (NOW - PATIENCE, Freshness.API_BEHIND),
        (NOW, Freshness.API_BEHIND),
        (NOW + CLOCK_SKEW, Freshness.API_BEHIND),
        (NOW + CLOCK_SKEW + MS, Freshness.IMPLAUSIBLE),
        (datetime(9999, 12, 31, tzinfo=UTC), Freshness.IMPLAUSIBLE),
    ],
)
def test_judge_defers_only_a_recent_claim_the_api_does_not_show_yet(
    claim: datetime | None, expected: Freshness
) -> None:
    # Given the API's lastUpdated and when the delivery arrived, when the body claims `claim`
    # Then only a claim newer than the API and no older than PATIENCE (nor in the future) waits
    assert judge(claim, API, NOW) is expected


def test_judge_when_the_api_is_as_new_as_a_recent_claim_applies() -> None:
    assert judge(NOW, NOW, NOW) is Freshness.CURRENT
    assert judge(NOW - MS, NOW, NOW) is Freshness.CURRENT


def test_judge_reads_timestamps_without_a_zone_as_utc() -> None:
    naive_api = (NOW - timedelta(minutes=1)).replace(tzinfo=None)
    assert judge(NOW, naive_api, NOW) is Freshness.API_BEHIND
    assert judge(NOW.replace(tzinfo=None), NOW, NOW) is Freshness.CURRENT


def test_judge_compares_instants_not_wall_clock_text() -> None:
    # 13:00 at +01:00 is 12:00 UTC: the same instant as the API's, so nothing to wait for
    claim = datetime(2026, 3, 1, 13, 0, tzinfo=timezone(timedelta(hours=1)))
    assert judge(claim, NOW, NOW) is Freshness.CURRENT


def event_body(resource: object) -> bytes:
    body = {"object": "event", "id": "e1", "sourceId": "disp1", "resource": resource}
    return json.dumps(body).encode()


def test_claim_is_read_from_the_dispute_resource() -> None:
    body = event_body({"id": "disp1", "lastUpdated": "2025-07-15T20:50:11.000Z"})
    assert claimed_last_updated(body, "disp1") == datetime(2025, 7, 15, 20, 50, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"object": "event"}',
        event_body(None),
        event_body(["disp1"]),
        event_body({"id": "disp1"}),
        event_body({"id": "disp1", "lastUpdated": 1752612611}),
        event_body({"id": "disp1", "lastUpdated": "yesterday"}),
        event_body({"id": "disp1", "lastUpdated": "2025-13-45T99:00:00Z"}),
        # a claim about another resource says nothing about this dispute
        event_body({"id": "another", "lastUpdated": "2025-07-15T20:50:11.000Z"}),
        event_body({"lastUpdated": "2025-07-15T20:50:11.000Z"}),
    ],
)
def test_a_claim_that_cannot_be_read_is_no_claim(body: bytes) -> None:
    assert claimed_last_updated(body, "disp1") is None


PAYSTAND_ATTEMPTS = [
    timedelta(0),
    timedelta(minutes=5),
    timedelta(minutes=20),
    timedelta(hours=1, minutes=20),
    timedelta(hours=13, minutes=20),
    timedelta(days=1, hours=13, minutes=20),
    timedelta(days=2, hours=13, minutes=20),
    timedelta(days=3, hours=13, minutes=20),
]
"""When Paystand tries a delivery, from the first attempt: retries after 5 min, 15 min, 1 h,
12 h, then daily; 8 attempts in all (domain/paystand.md)."""


def test_patience_gives_the_api_retries_to_catch_up_and_lands_before_paystand_gives_up() -> None:
    # Given an event announced at NOW whose change the API never shows
    verdicts = [judge(NOW, API, NOW + after) for after in PAYSTAND_ATTEMPTS]
    # Then the first attempt and at least one retry wait for the API
    assert verdicts[:2] == [Freshness.API_BEHIND, Freshness.API_BEHIND]
    # And at least two later attempts apply the API's state, so the event is not lost when
    # the last retry fails for some other reason
    assert verdicts[-2:] == [Freshness.WAITED_ENOUGH, Freshness.WAITED_ENOUGH]
    # And the wait stays short: the fourth attempt (about 80 min) already applies
    assert verdicts[3] is Freshness.WAITED_ENOUGH
