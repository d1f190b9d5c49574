"""``accept_dispute``: concede a dispute, from the API, the dashboard or the CLI.

A processor with an accept API (Stripe: ``POST /v1/disputes/{id}/close``) is called with an
idempotency key derived from the dispute and its stage only, *before* anything is recorded: a
crash after the call leaves the dispute open here, and the retry sends the same key, so Stripe
replays its answer instead of closing twice. A processor without one (Paystand) only records
the decision. Either way the engine's own event with status ``accepted`` goes through the same
ingest path as the processor's events, so the fold reads ``accepted`` (also once the processor
later reports ``lost``) and, the status being final, evidence work stops.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

import msgspec
from sqlalchemy import select

from engine.db.base import utcnow
from engine.db.models import Dispute, EventSource
from engine.db.records import read_state
from engine.decisions.decision import ACCEPTED_EVENT_TYPE
from engine.disputes.model import Described, DisputeState, Status, snapshot_of
from engine.errors import DisputeEngineError, DisputeMissing
from engine.runtime import Runtime

log = logging.getLogger("disputes.accept")


class AcceptRefused(DisputeEngineError):
    """The dispute cannot be accepted; the message says why."""


class AcceptOutcome(enum.StrEnum):
    ACCEPTED = "accepted"
    """Accepted now (Stripe closed it, or the decision was recorded)."""
    ALREADY_ACCEPTED = "already_accepted"
    """Nothing to do: an earlier request accepted it."""


@dataclass(frozen=True)
class AcceptResult:
    outcome: AcceptOutcome
    message: str


def idempotency_key(provider: str, dispute_id: str, stage: str) -> str:
    """One key per dispute and stage: a retry, a double click and a second worker share it."""
    return f"accept:{provider}:{dispute_id}:{stage}"


def accept_dispute(
    runtime: Runtime, provider_id: str, dispute_id: str, *, now: datetime | None = None
) -> AcceptResult:
    """Accept the loss of one dispute, exactly once."""
    moment = now or utcnow()
    state = _current(runtime, provider_id, dispute_id)
    if state.status is Status.ACCEPTED:
        return AcceptResult(AcceptOutcome.ALREADY_ACCEPTED, "already accepted")
    if state.status.is_final:
        raise AcceptRefused(f"the dispute is already {state.status.value}")
    provider = runtime.provider(provider_id)
    key = idempotency_key(provider_id, dispute_id, state.stage.value)
    if provider.capabilities.supports_accept:
        provider.accept_dispute(state, key)
        message = f"closed at {provider.display_name}"
    else:
        message = f"decision recorded; {provider.display_name} has no accept API"
    runtime.book.apply_one(_accepted_event(state, key, moment), source=EventSource.ENGINE)
    if provider.capabilities.supports_accept:
        _read_back(runtime, state)
    log.info("%s %s accepted: %s", provider_id, dispute_id, message)
    return AcceptResult(AcceptOutcome.ACCEPTED, message)


def _read_back(runtime: Runtime, state: DisputeState) -> None:
    """The processor's own word (Stripe: ``lost``) for the provider status; the webhook brings
    it too, so a failure here loses nothing."""
    try:
        event = runtime.provider(state.provider).fetch_dispute(state.dispute_id, state.account)
    except DisputeEngineError as error:
        log.warning(
            "%s %s: read-back after accepting failed: %s", state.provider, state.dispute_id, error
        )
        return
    runtime.book.apply_one(event, source=EventSource.SYNC)


def _current(runtime: Runtime, provider_id: str, dispute_id: str) -> DisputeState:
    with runtime.database.reading() as session:
        row = session.scalars(
            select(Dispute).where(Dispute.provider == provider_id, Dispute.dispute_id == dispute_id)
        ).first()
        if row is None:
            raise DisputeMissing(f"no {provider_id} dispute {dispute_id}")
        return read_state(row)


def _accepted_event(state: DisputeState, key: str, moment: datetime) -> Described:
    """The engine's own event: the dispute in this stage, accepted. Its id is the idempotency
    key, so two acceptances of the same stage store one event."""
    return Described(
        provider=state.provider,
        event_id=f"engine:{key}",
        dispute_id=state.dispute_id,
        type=ACCEPTED_EVENT_TYPE,
        occurred_at=moment,
        account=state.account,
        snapshot=msgspec.structs.replace(snapshot_of(state), status=Status.ACCEPTED),
    )


def accept_queued(runtime: Runtime, dispute_pk: int) -> AcceptResult | None:
    """The worker's ``accept`` work: concede the dispute (``None``: it is gone or decided)."""
    with runtime.database.reading() as session:
        row = session.get(Dispute, dispute_pk)
        if row is None:
            return None
        provider, dispute_id = row.provider, row.dispute_id
    try:
        return accept_dispute(runtime, provider, dispute_id)
    except (AcceptRefused, DisputeMissing) as error:
        # Decided meanwhile (won, withdrawn…): nothing is left to accept.
        log.info("%s %s: not accepted: %s", provider, dispute_id, error)
        return None
