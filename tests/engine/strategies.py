"""Hypothesis strategies for neutral dispute events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from engine.disputes.model import (
    Described,
    DisputeEvent,
    DisputeSnapshot,
    Funds,
    FundsMoved,
    Money,
    Reason,
    Stage,
    Status,
)

BASE = datetime(2026, 1, 1, tzinfo=UTC)

moments = st.integers(min_value=0, max_value=40).map(lambda s: BASE + timedelta(seconds=s))
"""Few distinct seconds, so simultaneous events (Stripe's 1 s resolution) are common."""

provider_words = st.text(min_size=1, max_size=300)


@st.composite
def snapshots(
    draw: st.DrawFn,
    stages: st.SearchStrategy[Stage | None] | None = None,
    statuses: st.SearchStrategy[Status] | None = None,
) -> DisputeSnapshot:
    stage = draw(stages if stages is not None else st.one_of(st.none(), st.sampled_from(Stage)))
    status = draw(statuses if statuses is not None else st.sampled_from(Status))
    return DisputeSnapshot(
        stage=stage,
        status=status,
        provider_status=draw(st.one_of(st.just(status.value), provider_words)),
        reason=Reason.GENERAL,
        provider_reason=draw(st.one_of(st.none(), provider_words)),
        money=Money(amount=Decimal("49.00"), currency="USD"),
        funds=draw(st.sampled_from(Funds)),
        submission_count=draw(st.one_of(st.none(), st.integers(0, 2))),
    )


@st.composite
def dispute_events(
    draw: st.DrawFn,
    min_size: int = 1,
    max_size: int = 8,
    snapshot_strategy: st.SearchStrategy[DisputeSnapshot] | None = None,
) -> list[DisputeEvent]:
    """Distinct events of one dispute: at least one describes it, some only move funds."""
    count = draw(st.integers(min_value=min_size, max_value=max_size))
    events: list[DisputeEvent] = []
    for index in range(count):
        money_only = index > 0 and draw(st.booleans()) and draw(st.booleans())
        common: dict[str, Any] = {
            "provider": "acme",
            "event_id": f"evt_{index}",
            "dispute_id": "dp_1",
            "occurred_at": draw(moments),
            "account": draw(st.one_of(st.none(), st.just("acct_1"))),
        }
        if money_only:
            events.append(
                FundsMoved(**common, type="dispute.funds", funds=draw(st.sampled_from(Funds)))
            )
        else:
            snapshot = draw(snapshot_strategy if snapshot_strategy is not None else snapshots())
            events.append(Described(**common, type="dispute.updated", snapshot=snapshot))
    return events
