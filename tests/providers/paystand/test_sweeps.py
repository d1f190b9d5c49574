"""The sweep against the Paystand emulator: the listing asks only for disputes created since
the day before the last read (Paystand filters by whole days), so a dispute opened without a
webhook is found, and an older open one is re-read by id instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from emulators.paystand import PaystandEmulator
from engine.db.models import Dispute
from engine.disputes.model import Status
from engine.disputes.reconcile import TokenBucket
from engine.disputes.sync import sync_provider
from engine.runtime import Runtime
from engine.work.sweeps import Sweeper


def statuses(runtime: Runtime) -> dict[str, Status]:
    with runtime.database.reading() as session:
        rows = session.execute(select(Dispute.dispute_id, Dispute.status)).all()
        return {dispute_id: Status(status) for dispute_id, status in rows}


def test_a_new_dispute_is_listed_by_day_and_an_old_one_is_re_read(
    runtime: Runtime, emulator: PaystandEmulator
) -> None:
    # given a dispute opened ten days ago, which the engine synced
    old, _ = emulator.state.create_dispute(created=datetime.now(UTC) - timedelta(days=10))
    emulator.state.transition(old["id"], "acceptingEvidence")
    sync_provider(runtime, "paystand")
    # when Paystand moves it on and opens another, and neither webhook reaches the engine
    emulator.state.transition(old["id"], "underReview")
    new, _ = emulator.state.create_dispute()
    emulator.state.requests.clear()
    sweeps = Sweeper(
        runtime,
        timedelta(hours=1),
        "worker-a",
        pacing=lambda: TokenBucket(1000, burst=10),
    )
    (report,) = sweeps.sweep_due()
    # then the new one is known, the old one repaired
    assert statuses(runtime) == {old["id"]: Status.UNDER_REVIEW, new["id"]: Status.RECEIVED}
    assert (report.state, report.seen, report.new, report.updated) == ("finished", 2, 1, 1)
    # and the old one was read by id: the day filter kept it out of the listing
    assert ("GET", f"/disputes/{old['id']}") in emulator.state.requests
    assert ("GET", f"/disputes/{new['id']}") not in emulator.state.requests
