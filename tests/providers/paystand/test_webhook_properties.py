"""Properties of the Paystand webhook for all bodies: it never crashes, and whatever a body
claims, what is applied is the API's state — the claim can at most defer its own delivery, and
only inside the bounded window of :mod:`providers.paystand.freshness`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from emulators.paystand import PaystandEmulator
from emulators.paystand.wire import iso
from engine.errors import ProviderUnavailable
from engine.plugins.provider import Accepted, Ignored, Rejected, WebhookRequest, WebhookVerdict
from engine.runtime import Runtime
from providers.paystand.freshness import CLOCK_SKEW, PATIENCE
from providers.paystand.mapping import to_event
from tests.providers.paystand.conftest import WEBHOOK_TOKEN

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)


def deliver(runtime: Runtime, body: bytes, received_at: datetime | None = None) -> WebhookVerdict:
    return runtime.provider("paystand").handle_webhook(
        WebhookRequest(
            body=body,
            headers={"content-type": "application/json"},
            path_params={"token": WEBHOOK_TOKEN},
            received_at=received_at or datetime.now(UTC),
        )
    )


claimed_times = st.one_of(
    # Half the claims are timestamps around the dispute's last change (= our clock, here):
    # behind it, equal, just ahead (the deferral window), hours or days either way.
    st.one_of(
        st.timedeltas(min_value=timedelta(minutes=-1), max_value=timedelta(minutes=15)),
        st.timedeltas(min_value=timedelta(hours=-2), max_value=timedelta(hours=2)),
        st.timedeltas(min_value=timedelta(days=-5), max_value=timedelta(days=5)),
    ).map(lambda offset: ("offset", offset)),
    # the other half: no claim, timestamps out of any window, or anything at all
    st.one_of(
        st.none(),
        st.sampled_from(["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "yesterday", ""]).map(
            lambda text: ("text", text)
        ),
        json_values.map(lambda value: ("value", value)),
    ),
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_body_gets_a_verdict_never_a_crash(runtime: Runtime, body: bytes) -> None:
    verdict = deliver(runtime, body)
    assert isinstance(verdict, Accepted | Ignored | Rejected)
    if isinstance(verdict, Rejected):
        assert verdict.status_code == 400


@settings(max_examples=80, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    claimed=st.fixed_dictionaries(
        {},
        optional={
            "resource": st.dictionaries(st.sampled_from(["status", "amount", "id"]), json_values),
            "diff": json_values,
            "status": json_values,
            "created": json_values,
            "lastUpdated": json_values,
        },
    ),
    claim=claimed_times,
    about_this_dispute=st.sampled_from([True, True, True, False]),
    event_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=24),
)
def test_whatever_the_body_claims_the_api_state_is_applied(
    runtime: Runtime,
    emulator: PaystandEmulator,
    claimed: dict[str, Any],
    claim: tuple[str, Any] | None,
    about_this_dispute: bool,
    event_id: str,
) -> None:
    if not emulator.state.dispute_count:
        dispute, _ = emulator.state.create_dispute(amount="42.42")
        emulator.state.transition(dispute["id"], "processing")
    truth = emulator.state.list_disputes({})["results"][0]
    api_updated = datetime.fromisoformat(truth["lastUpdated"])
    received_at = datetime.now(UTC)
    claimed = dict(claimed)
    when = None  # the claimed lastUpdated, as the test (not the code under test) reads it
    if claim is not None:
        kind, value = claim
        resource = dict(claimed.get("resource") or {})
        if about_this_dispute:
            resource["id"] = truth["id"]
        resource["lastUpdated"] = iso(api_updated + value) if kind == "offset" else value
        claimed["resource"] = resource
        if kind == "offset" and about_this_dispute:
            when = datetime.fromisoformat(resource["lastUpdated"])
        # The fixed texts are far past, far future or not timestamps; the json values are too
        # short to be one: none of them is a claim the engine may wait for.
    body = json.dumps(
        {
            **claimed,
            "object": "event",
            "id": event_id,
            "sourceType": "Dispute",
            "sourceId": truth["id"],
        }
    ).encode()
    waits = (
        when is not None
        and when > api_updated
        and received_at - PATIENCE <= when <= received_at + CLOCK_SKEW
    )
    event("deferred" if waits else "applied")
    if waits:
        # Then a recent claim the API does not show defers the delivery: nothing is applied
        with pytest.raises(ProviderUnavailable, match="Paystand will retry"):
            deliver(runtime, body, received_at)
        return
    # Then anything else is applied at once, and what is applied is exactly the API's state
    verdict = deliver(runtime, body, received_at)
    assert isinstance(verdict, Accepted)
    (applied,) = verdict.events
    assert applied == to_event(truth, event_id=event_id)
