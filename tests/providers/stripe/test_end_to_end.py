"""The whole loop over real HTTP: Stripe's webhooks in, evidence out, the outcome back in."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from sqlalchemy import select

from emulators.stripe import StripeEmulator
from engine.db.migrate import upgrade
from engine.db.models import Dispute, DisputeEventRow, Submission
from engine.disputes.sync import sync_provider
from engine.evidence.model import EvidencePacket
from engine.runtime import Runtime
from engine.settings import Settings
from tests.providers.stripe.conftest import drain_queue
from tests.providers.stripe.test_sync import seed


def test_a_chargeback_is_answered_and_won_through_webhooks_alone(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator, live_app: str, packet: EvidencePacket
) -> None:
    # Given Stripe announces a new chargeback to the running engine
    stripe_emulator.webhooks.url = f"{live_app}/webhooks/stripe"
    dispute_id = str(stripe_emulator.state.add_dispute()["id"])
    assert stripe_emulator.webhooks.wait_idle(timeout=20)
    # When the worker answers it and Stripe announces the outcome
    outcomes = drain_queue(stripe_runtime, packet)
    assert stripe_emulator.webhooks.wait_idle(timeout=20)
    # Then the engine shows a won dispute with its money back, from Stripe's own events
    assert [getattr(o, "state", o) for o in outcomes.values()] == ["succeeded"]
    assert {d.status for d in stripe_emulator.webhooks.deliveries} == {200}
    with stripe_runtime.database.reading() as session:
        row = session.scalars(select(Dispute)).one()
        assert (row.dispute_id, row.status, row.funds, row.evidence_state) == (
            dispute_id,
            "won",
            "reinstated",
            "submitted",
        )
        types = Counter(e.type for e in session.scalars(select(DisputeEventRow)))
    assert types == {
        "charge.dispute.created": 1,
        "charge.dispute.funds_withdrawn": 1,
        "charge.dispute.updated": 1,
        "charge.dispute.closed": 1,
        "charge.dispute.funds_reinstated": 1,
    }


def test_sync_and_submission_on_each_database(
    make_settings: Callable[..., Settings],
    stripe_env: dict[str, str],
    database_url: str,
    stripe_emulator: StripeEmulator,
    packet: EvidencePacket,
    fast_retries: None,
) -> None:
    runtime = Runtime(make_settings(**stripe_env, database_url=database_url))
    try:
        upgrade(runtime.database)
        made = seed(stripe_emulator, 120)
        stripe_emulator.faults.error_rate = 0.10
        report = sync_provider(runtime, "stripe")
        drain_queue(runtime, packet)
        assert (report.seen, report.new, report.failed) == (120, 120, 0)
        with runtime.database.reading() as session:
            states = Counter(s.state for s in session.scalars(select(Submission)))
        assert states == {"succeeded": made["needs_response"]}
        assert (
            sorted(stripe_emulator.state.counters.submissions.values())
            == [1] * made["needs_response"]
        )
        again = sync_provider(runtime, "stripe")
        assert (again.new, again.queued) == (0, 0)
    finally:
        runtime.close()
