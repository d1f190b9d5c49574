"""The provider's API-facing methods other than webhooks: fetch-back and listing."""

from __future__ import annotations

import pytest

from emulators.paystand import PaystandEmulator
from engine.errors import DisputeUnknown
from engine.model import Status
from engine.runtime import Runtime


def test_fetch_dispute_describes_the_current_state_with_a_stable_id(
    runtime: Runtime, emulator: PaystandEmulator
) -> None:
    provider = runtime.provider("paystand")
    dispute, _ = emulator.state.create_dispute(amount="0.10")
    emulator.state.transition(dispute["id"], "acceptingEvidence")
    first = provider.fetch_dispute(dispute["id"], None)
    again = provider.fetch_dispute(dispute["id"], None)
    assert first.event_id == again.event_id
    assert first.event_id.startswith(f"paystand:{dispute['id']}:")
    assert first.snapshot is not None
    assert first.snapshot.status is Status.NEEDS_RESPONSE
    assert str(first.snapshot.money.amount) == "0.10"
    emulator.state.transition(dispute["id"], "underReview")
    assert provider.fetch_dispute(dispute["id"], None).event_id != first.event_id
    with pytest.raises(DisputeUnknown):
        provider.fetch_dispute("unknowndispute", None)


def test_iter_disputes_yields_each_dispute_once_across_pages(
    runtime: Runtime, emulator: PaystandEmulator
) -> None:
    ids = {emulator.state.create_dispute()[0]["id"] for _ in range(123)}
    events = list(runtime.provider("paystand").iter_disputes())
    assert [e.dispute_id for e in events].count(events[0].dispute_id) == 1
    assert {e.dispute_id for e in events} == ids
    assert len(events) == 123
    pages = [r for r in emulator.state.requests if r == ("GET", "/disputes")]
    assert len(pages) == 3  # 50 + 50 + 23, and no call past the count
