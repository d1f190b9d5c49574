"""``DISPUTES_ACCEPT_BELOW``: disputes too small to be worth fighting are conceded on their own.

A fight costs a dispute fee that stays lost and, at Stripe in the US, a countered fee; below
some amount a merchant would rather concede at once. The decision is made where every change
is applied (an :data:`engine.disputes.ingest.AfterApply` hook, inside the transaction): a
dispute that needs a response, for less than the threshold in its own currency's major units,
gets ``accept`` work instead of evidence work. The worker then runs the same
:func:`engine.decisions.accept.accept_dispute` as the API, the dashboard and the CLI — one
idempotency key per dispute and stage, so duplicates, retries and several workers close it once.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from sqlalchemy.orm import Session

from engine.db.models import Dispute
from engine.disputes.outcomes import AfterApply, EventOutcome
from engine.work.policy import EVIDENCE_WANTED
from engine.work.queue import PERSON_REASONS, WorkReason, queue_work

log = logging.getLogger("disputes.accept")


def below_threshold(outcome: EventOutcome, threshold: Decimal | None) -> bool:
    """A dispute that needs a response and is worth less than ``threshold``; ``None`` never."""
    after = outcome.after
    return (
        threshold is not None
        and after.status in EVIDENCE_WANTED
        and not after.submission_count
        and after.money.amount < threshold
    )


def auto_accepter(threshold: Decimal | None) -> AfterApply:
    """The after-apply hook queueing ``accept`` work for disputes below ``threshold``."""

    def queue_accept(session: Session, row: Dispute, outcome: EventOutcome) -> None:
        if outcome.duplicate or not below_threshold(outcome, threshold):
            return
        if row.work_reason in PERSON_REASONS or row.work_reason == WorkReason.ACCEPT:
            return  # a person's request stands; an accept already queued stays queued once
        if queue_work(session, row, WorkReason.ACCEPT):
            log.info(
                "%s %s: %s %s is below DISPUTES_ACCEPT_BELOW (%s): accepting",
                row.provider,
                row.dispute_id,
                row.amount,
                row.currency,
                threshold,
            )

    return queue_accept
