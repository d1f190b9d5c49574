"""Events stored before the tagged union (schema 0007 and older) read back as their kind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from engine.db.models import DisputeEventRow
from engine.db.packing import pack
from engine.db.records import decode_event
from engine.disputes.model import (
    CustomerFound,
    CustomerIdentity,
    Described,
    EvidenceSent,
    Funds,
    FundsMoved,
)
from engine.testing import make_dispute_event, make_dispute_state

COMMON: dict[str, Any] = {
    "provider": "stripe",
    "event_id": "evt_1",
    "dispute_id": "dp_1",
    "type": "charge.dispute.updated",
    "occurred_at": "2026-01-02T03:04:05Z",
}
SNAPSHOT = msgspec.to_builtins(make_dispute_event(make_dispute_state()).snapshot)


def stored(payload: dict[str, Any], *, packed: bool) -> DisputeEventRow:
    if packed:
        return DisputeEventRow(packed=pack(payload), payload=None)
    return DisputeEventRow(packed=None, payload=payload)


@pytest.mark.parametrize("packed", [True, False])
@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({**COMMON, "snapshot": SNAPSHOT}, Described),
        ({**COMMON, "snapshot": SNAPSHOT, "funds": "reinstated"}, Described),
        ({**COMMON, "funds": "debited"}, FundsMoved),
        ({**COMMON, "evidence_sent": True}, EvidenceSent),
        ({**COMMON, "customer": {"email": "a@example.com"}}, CustomerFound),
    ],
)
def test_an_untagged_stored_event_reads_back_as_its_kind(
    payload: dict[str, Any], kind: type, packed: bool
) -> None:
    event = decode_event(stored(payload, packed=packed))
    assert type(event) is kind
    assert (event.event_id, event.occurred_at) == (
        "evt_1",
        datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    if isinstance(event, FundsMoved):
        assert event.funds is Funds.DEBITED
    if isinstance(event, CustomerFound):
        assert event.customer == CustomerIdentity(email="a@example.com")


def test_a_new_event_is_stored_with_its_kind_and_reads_back_equal() -> None:
    event = make_dispute_event(make_dispute_state())
    encoded = msgspec.json.encode(event)
    assert msgspec.json.decode(encoded)["kind"] == "described"
    assert decode_event(stored(msgspec.json.decode(encoded), packed=True)) == event


def test_a_stored_event_of_no_known_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="of no known kind"):
        decode_event(stored(dict(COMMON), packed=False))
