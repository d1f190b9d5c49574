"""The provider's API-facing methods other than webhooks: fetch-back and listing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest

from emulators.paystand import PaystandEmulator
from engine.db.models import EventSource
from engine.db.records import read_state
from engine.disputes.model import Status
from engine.errors import DisputeUnknown
from engine.evidence.model import TextField
from engine.plugins.sources import Contribution, EvidenceContext
from engine.runtime import Runtime
from providers.paystand.facts import PaystandFacts
from tests.providers.paystand.helpers import dispute_row


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


def test_paystand_facts_for_the_evidence_come_from_the_stored_dispute(
    live_app: Any,
    emulator: PaystandEmulator,
    sample_events: list[dict[str, Any]],
    seed_samples: Any,
    tmp_path: Path,
) -> None:
    seed_samples()
    assert emulator.deliver(sample_events[1]) == 200
    row = dispute_row(live_app.runtime, "l0j286qvs32jp1hcybcfpe7n")
    assert row is not None
    source_class = live_app.runtime.plugins.evidence_sources["paystand_facts"]
    source = source_class.from_settings(live_app.runtime.settings)
    assert source is not None
    contribution = source.contribute(
        EvidenceContext(dispute=read_state(row), provider_facts={}, work_dir=str(tmp_path))
    )
    assert contribution.facts["total_amount_paid"] == "798.29 USD"
    assert contribution.facts["amount_disputed"] == "798.29 USD"
    assert contribution.facts["payment_method"] == "visa •••• 0259 (Card)"
    assert contribution.facts["payer_reference"] == "CUST-42974F02"
    assert contribution.facts["payment_id"] == "uqyfsnsara28pmmvq97ki0y5"
    assert {(t.field, t.text) for t in contribution.texts} == {
        (TextField.CUSTOMER_NAME, "Mercury Rising Technologies"),
        (TextField.CUSTOMER_EMAIL_ADDRESS, "uluna+psx@paystand.com"),
    }


def test_paystand_facts_stay_out_of_other_providers_disputes(
    runtime: Runtime, emulator: PaystandEmulator, tmp_path: Path
) -> None:
    dispute, _ = emulator.state.create_dispute()
    state = runtime.book.apply_one(
        runtime.provider("paystand").fetch_dispute(dispute["id"], None), source=EventSource.SYNC
    ).after
    other = msgspec.structs.replace(state, provider="stripe")
    source = PaystandFacts.from_settings(runtime.settings)
    context = EvidenceContext(dispute=other, provider_facts={}, work_dir=str(tmp_path))
    assert source.contribute(context) == Contribution()
