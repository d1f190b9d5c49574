"""The reconciliation sweep against the Stripe emulator: a missed webhook is repaired, the
reads are paced under the rate limit, and 429s and 500s are survived or recorded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from emulators.stripe.server import StripeEmulator
from emulators.stripe.state import PLATFORM_ACCOUNT
from engine.db.models import Dispute, DisputeEventRow
from engine.disputes.model import Status
from engine.disputes.reconcile import ReadRetry, TokenBucket, reconcile_provider
from engine.disputes.sync import last_reports, sync_provider
from engine.runtime import Runtime


class FakeClock:
    """Seconds that pass only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def statuses(runtime: Runtime) -> dict[str, Status]:
    with runtime.database.reading() as session:
        rows = session.execute(select(Dispute.dispute_id, Dispute.status)).all()
        return {dispute_id: Status(status) for dispute_id, status in rows}


def test_a_missed_webhook_is_repaired_by_the_sweep_and_a_rerun_changes_nothing(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    # given three disputes the engine knows as needing a response
    ids = [str(stripe_emulator.state.add_dispute()["id"]) for _ in range(3)]
    sync_provider(stripe_runtime, "stripe")
    # when one is closed at Stripe and its webhook never reaches the engine
    stripe_emulator.state.close_dispute(PLATFORM_ACCOUNT, ids[1], {})
    assert statuses(stripe_runtime)[ids[1]] == Status.NEEDS_RESPONSE
    clock = FakeClock()
    report = reconcile_provider(
        stripe_runtime, "stripe", pacing=TokenBucket(25, clock=clock, sleep=clock.sleep)
    )
    # then the sweep read the three open ones, repaired that one, and says so
    assert (report.state, report.seen, report.updated, report.failed) == ("finished", 3, 1, 0)
    assert statuses(stripe_runtime) == {
        ids[0]: Status.NEEDS_RESPONSE,
        ids[1]: Status.LOST,
        ids[2]: Status.NEEDS_RESPONSE,
    }
    with stripe_runtime.database.reading() as session:
        sources = set(session.scalars(select(DisputeEventRow.source)))
    assert "reconcile" in sources
    assert last_reports(stripe_runtime)["stripe"].updated == 1
    # and a second sweep reads only the two still open and repairs nothing
    again = reconcile_provider(
        stripe_runtime, "stripe", pacing=TokenBucket(25, clock=clock, sleep=clock.sleep)
    )
    assert (again.seen, again.updated, again.failed) == (2, 0, 0)


def test_reads_are_paced_at_25_a_second(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    for _ in range(30):
        stripe_emulator.state.add_dispute()
    sync_provider(stripe_runtime, "stripe")
    clock = FakeClock()
    start = clock.now
    report = reconcile_provider(
        stripe_runtime, "stripe", pacing=TokenBucket(25, clock=clock, sleep=clock.sleep)
    )
    assert report.seen == 30
    # one token at the start, then one every 1/25 s: 29 waits
    assert clock.now - start == pytest.approx(29 / 25)
    assert len(clock.sleeps) == 29


@pytest.mark.usefixtures("fast_retries")
def test_429s_are_waited_out_and_a_dispute_that_keeps_failing_is_recorded(
    stripe_runtime: Runtime, stripe_emulator: StripeEmulator
) -> None:
    ids = [str(stripe_emulator.state.add_dispute()["id"]) for _ in range(3)]
    sync_provider(stripe_runtime, "stripe")
    for dispute_id in ids:
        stripe_emulator.state.close_dispute(PLATFORM_ACCOUNT, dispute_id, {})
    # given Stripe answers 429 to the SDK's five tries at the first, 500 forever to the second
    stripe_emulator.faults.add_rule("GET", rf"/v1/disputes/{ids[0]}$", "429", times=5)
    stripe_emulator.faults.add_rule("GET", rf"/v1/disputes/{ids[1]}$", "500")
    clock = FakeClock()
    report = reconcile_provider(
        stripe_runtime,
        "stripe",
        pacing=TokenBucket(25, clock=clock, sleep=clock.sleep),
        retry=ReadRetry(attempts=3, first_delay=2.0, sleep=clock.sleep),
    )
    # then the first was read on the sweep's retry, the second recorded, the third repaired
    assert (report.seen, report.updated, report.failed) == (3, 2, 1)
    assert [error["dispute_id"] for error in report.errors] == [ids[1]]
    assert statuses(stripe_runtime) == {
        ids[0]: Status.LOST,
        ids[1]: Status.NEEDS_RESPONSE,
        ids[2]: Status.LOST,
    }
    backoffs = [s for s in clock.sleeps if s >= 1]
    assert sorted(backoffs) == [2.0, 2.0, 4.0]  # one retry for the 429s, two for the 500s


def test_a_token_bucket_refuses_a_rate_it_cannot_keep() -> None:
    with pytest.raises(ValueError, match="positive rate"):
        TokenBucket(0)


@given(rate=st.floats(0.5, 200), burst=st.integers(1, 10), takes=st.integers(1, 60))
def test_a_token_bucket_lets_a_burst_through_then_keeps_its_rate(
    rate: float, burst: int, takes: int
) -> None:
    clock = FakeClock()
    start = clock.now
    bucket = TokenBucket(rate, burst, clock=clock, sleep=clock.sleep)
    for _ in range(takes):
        bucket.take()
    assert clock.now - start == pytest.approx(max(takes - burst, 0) / rate, rel=1e-6, abs=1e-9)
