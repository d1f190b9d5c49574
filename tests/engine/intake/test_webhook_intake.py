"""The process's webhook writer: a small batch is stored and applied together (its answer says
what it did), a large one — or any while the inbox holds deliveries — is stored and answered
``received``, and the writer applies the inbox when the requests leave it time."""

from __future__ import annotations

import asyncio

import pytest

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import WebhookOutcome
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import Status
from engine.intake.webhooks import APPLY_AT_ONCE, WebhookIntake
from tests.engine.intake.test_inbox import deliver, outcomes, states, stored_events
from tests.support.acme import event_for


@pytest.fixture
def intake(database_url: str) -> WebhookIntake:
    database = Database(database_url)
    upgrade(database)
    return WebhookIntake(DisputeBook(database))


def test_a_small_batch_is_applied_at_once(intake: WebhookIntake) -> None:
    batch = [deliver(event_for("acme", f"e{n}", f"dp_{n}", Status.WON)) for n in range(2)]
    answers = intake._write_batch(batch)
    assert [answer.outcome for answer in answers] == [WebhookOutcome.APPLIED] * 2
    assert sorted(states(intake.book.database)) == ["dp_0", "dp_1"]
    assert not intake.inbox_in_use


def test_a_large_batch_goes_to_the_inbox_and_so_does_what_follows_until_it_is_empty(
    intake: WebhookIntake,
) -> None:
    large = [
        deliver(event_for("acme", f"e{n}", f"dp_{n}", Status.WON)) for n in range(APPLY_AT_ONCE + 1)
    ]
    answers = intake._write_batch(large)
    assert {answer.outcome for answer in answers} == {WebhookOutcome.RECEIVED}
    assert states(intake.book.database) == {}
    # while the inbox holds deliveries, even one goes there (its order is kept)
    [answer] = intake._write_batch([deliver(event_for("acme", "e_late", "dp_0", Status.LOST))])
    assert answer.outcome == WebhookOutcome.RECEIVED
    # when the writer has time, it applies the inbox, then says when to look again
    look_again = intake._apply_inbox()
    assert look_again is not None and look_again > 0
    assert not intake.inbox_in_use
    assert stored_events(intake.book.database) == sorted(
        [f"e{n}" for n in range(APPLY_AT_ONCE + 1)] + ["e_late"]
    )
    assert set(outcomes(intake.book.database)) == {"applied"}
    # and a small batch is applied at once again
    [answer] = intake._write_batch([deliver(event_for("acme", "e_next", "dp_9", Status.WON))])
    assert answer.outcome == WebhookOutcome.APPLIED


def test_a_burst_is_answered_and_applied_in_the_end(intake: WebhookIntake) -> None:
    async def burst() -> list[WebhookOutcome]:
        answers = await asyncio.gather(
            *(
                intake.submit(deliver(event_for("acme", f"e{n}", f"dp_{n % 9}", Status.WON)))
                for n in range(200)
            )
        )
        return [answer.outcome for answer in answers]

    try:
        answered = asyncio.run(burst())
        intake.settle(timeout=30)
    finally:
        intake.close()
    assert set(answered) <= {WebhookOutcome.APPLIED, WebhookOutcome.RECEIVED}
    assert WebhookOutcome.RECEIVED in answered  # 200 at once is a burst
    assert len(stored_events(intake.book.database)) == 200
    assert set(outcomes(intake.book.database)) == {"applied"}
