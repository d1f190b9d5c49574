"""The lifecycle: fold a dispute's events into its state.

The dispute's state is a pure function of the *set* of its events, so applying an event twice
or receiving events in any order cannot change the outcome. The rules (docs/architecture.md,
"The lifecycle"):

* Events are ordered by stage first (a later stage reopens: lost@chargeback is followed by
  needs_response@pre_arbitration), then finality (within a stage a final status never returns
  to an open one), then the provider's own timestamp, then the usual course of a stage.
* Status always comes from the dispute object the provider described, never from the event
  type; events that only move money (``funds``) never touch the status.
* A snapshot without a stage (Stripe's ``won``/``lost``) closes the stage the dispute was in at
  that moment.
* ``lost`` is reported as ``accepted`` when the engine itself accepted the dispute in that stage.
* ``open`` (the provider does not say whether we must act) reads ``under_review`` once the engine
  has handed evidence for that stage over.
* The customer's identity comes from the deciding snapshot; what it leaves out is filled from the
  latest event that knows it (another snapshot, or the engine's own identification).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec

from engine.disputes.model import (
    CustomerFound,
    Described,
    DisputeEvent,
    DisputeSnapshot,
    DisputeState,
    EvidenceSent,
    Funds,
    FundsMoved,
    Stage,
    Status,
)

_FUNDS_PROGRESS = {
    Funds.UNKNOWN: 0,
    Funds.NOT_DEBITED: 1,
    Funds.DEBITED: 2,
    Funds.PARTIALLY_REINSTATED: 3,
    Funds.REINSTATED: 4,
}


class _Placed(msgspec.Struct, frozen=True):
    """An event with a snapshot, its stage resolved."""

    event: Described
    snapshot: DisputeSnapshot
    stage: Stage


def fold(events: Iterable[DisputeEvent]) -> DisputeState | None:
    """Derive a dispute's state from its events; ``None`` when no event describes the dispute."""
    unique = dedupe(events)
    described = [event for event in unique if isinstance(event, Described)]
    if not described:
        return None
    explicit = _explicit_stages(described)
    placed = _place_stages(described, explicit)
    winner = max(placed, key=_status_order)
    snapshot = winner.snapshot
    status = _accepted_if_engine_accepted(winner, placed)
    if status is Status.OPEN and any(
        isinstance(event, EvidenceSent) and _stage_at(event.occurred_at, explicit) is winner.stage
        for event in unique
    ):
        status = Status.UNDER_REVIEW
    created = [p.snapshot.created_at for p in placed if p.snapshot.created_at is not None]
    counts = [
        p.snapshot.submission_count for p in placed if p.snapshot.submission_count is not None
    ]
    customer_id, customer_email, customer_name = _customer(snapshot, unique)
    return DisputeState(
        provider=winner.event.provider,
        dispute_id=winner.event.dispute_id,
        account=next((e.account for e in sorted(unique, key=_time_order) if e.account), None),
        stage=winner.stage,
        status=status,
        provider_status=snapshot.provider_status,
        reason=snapshot.reason,
        provider_reason=snapshot.provider_reason,
        money=snapshot.money,
        funds=_funds(unique),
        network_reason_code=snapshot.network_reason_code,
        respond_by=snapshot.respond_by,
        payment_id=snapshot.payment_id,
        customer_id=customer_id,
        customer_email=customer_email,
        customer_name=customer_name,
        created_at=min(created) if created else None,
        fees=snapshot.fees,
        submission_count=max(counts) if counts else None,
        last_event_at=max(event.occurred_at for event in unique),
        raw_dispute=winner.event.raw_dispute,
    )


def dedupe(events: Iterable[DisputeEvent]) -> list[DisputeEvent]:
    """One event per id. Should a provider ever resend an id with other content, the choice
    between the variants is deterministic (by encoding), so it cannot depend on arrival order."""
    chosen: dict[str, tuple[bytes, DisputeEvent]] = {}
    for event in events:
        encoded = msgspec.json.encode(event)
        current = chosen.get(event.event_id)
        if current is None or encoded > current[0]:
            chosen[event.event_id] = (encoded, event)
    return [event for _, event in chosen.values()]


def _explicit_stages(described: list[Described]) -> list[tuple[datetime, int, Stage]]:
    return sorted(
        (
            (event.occurred_at, event.snapshot.stage.rank, event.snapshot.stage)
            for event in described
            if event.snapshot.stage is not None
        ),
        key=lambda item: (item[0], item[1]),
    )


def _place_stages(
    described: list[Described], explicit: list[tuple[datetime, int, Stage]]
) -> list[_Placed]:
    placed = []
    for event in described:
        stage = event.snapshot.stage or _stage_at(event.occurred_at, explicit)
        placed.append(_Placed(event=event, snapshot=event.snapshot, stage=stage))
    return placed


def _stage_at(moment: datetime, explicit: list[tuple[datetime, int, Stage]]) -> Stage:
    """The stage the dispute was in at ``moment``: the latest explicit stage at or before it,
    else the first stage ever seen, else a chargeback (the only stage without an own name)."""
    before = [item for item in explicit if item[0] <= moment]
    if before:
        return before[-1][2]
    if explicit:
        return explicit[0][2]
    return Stage.CHARGEBACK


def _status_order(placed: _Placed) -> tuple[int, bool, datetime, int, str]:
    status = placed.snapshot.status
    return (
        placed.stage.rank,
        status.is_final,
        placed.event.occurred_at,
        status.progress,
        placed.event.event_id,
    )


def _time_order(event: DisputeEvent) -> tuple[datetime, str]:
    return (event.occurred_at, event.event_id)


def _accepted_if_engine_accepted(winner: _Placed, placed: list[_Placed]) -> Status:
    status = winner.snapshot.status
    if status in {Status.LOST, Status.CLOSED} and any(
        p.stage is winner.stage and p.snapshot.status is Status.ACCEPTED for p in placed
    ):
        return Status.ACCEPTED
    return status


def _customer(
    decisive: DisputeSnapshot, events: list[DisputeEvent]
) -> tuple[str | None, str | None, str | None]:
    """(id, email, name): the deciding snapshot's, gaps filled from the latest event knowing."""
    known: list[tuple[str | None, str | None, str | None]] = []
    for event in sorted(events, key=_time_order, reverse=True):
        if isinstance(event, Described):
            snap = event.snapshot
            known.append((snap.customer_id, snap.customer_email, snap.customer_name))
        elif isinstance(event, CustomerFound):
            who = event.customer
            known.append((who.customer_id, who.email, who.name))
    first = (decisive.customer_id, decisive.customer_email, decisive.customer_name)
    return (
        _first_known(first[0], (item[0] for item in known)),
        _first_known(first[1], (item[1] for item in known)),
        _first_known(first[2], (item[2] for item in known)),
    )


def _first_known(preferred: str | None, others: Iterable[str | None]) -> str | None:
    if preferred:
        return preferred
    return next((value for value in others if value), None)


def _funds(events: list[DisputeEvent]) -> Funds:
    """Funds from the latest event that knows them; money-only events count as much as any."""
    known = []
    for event in events:
        if isinstance(event, FundsMoved):
            funds: Funds | None = event.funds
        elif isinstance(event, Described):
            funds = event.funds if event.funds is not None else event.snapshot.funds
        else:
            continue
        if funds is not None and funds is not Funds.UNKNOWN:
            known.append((event.occurred_at, _FUNDS_PROGRESS[funds], event.event_id, funds))
    return max(known)[3] if known else Funds.UNKNOWN
