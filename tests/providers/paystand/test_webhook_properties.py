"""Properties of the Paystand webhook for all bodies: it never crashes, and whatever a body
claims, what is applied is the API's state."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.paystand import PaystandEmulator
from engine.provider import Accepted, Ignored, Rejected, WebhookRequest
from engine.runtime import Runtime
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


def deliver(runtime: Runtime, body: bytes) -> Accepted | Ignored | Rejected:
    return runtime.provider("paystand").handle_webhook(
        WebhookRequest(
            body=body,
            headers={"content-type": "application/json"},
            path_params={"token": WEBHOOK_TOKEN},
            received_at=datetime.now(UTC),
        )
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_body_gets_a_verdict_never_a_crash(runtime: Runtime, body: bytes) -> None:
    verdict = deliver(runtime, body)
    assert isinstance(verdict, Accepted | Ignored | Rejected)
    if isinstance(verdict, Rejected):
        assert verdict.status_code == 400


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
    event_id=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=24),
)
def test_whatever_the_body_claims_the_api_state_is_applied(
    runtime: Runtime, emulator: PaystandEmulator, claimed: dict[str, Any], event_id: str
) -> None:
    if not emulator.state.dispute_count:
        dispute, _ = emulator.state.create_dispute(amount="42.42")
        emulator.state.transition(dispute["id"], "processing")
    truth = emulator.state.list_disputes({})["results"][0]
    body = {
        **claimed,
        "object": "event",
        "id": event_id,
        "sourceType": "Dispute",
        "sourceId": truth["id"],
    }
    verdict = deliver(runtime, json.dumps(body).encode())
    assert isinstance(verdict, Accepted)
    (event,) = verdict.events
    expected = to_event(truth, event_id=event_id)
    assert event == expected
