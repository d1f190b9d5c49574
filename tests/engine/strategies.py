"""Hypothesis strategies for neutral dispute events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from engine.disputes.model import DisputeEvent, DisputeSnapshot, Funds, Money, Stage, Status

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
        reason="general",
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
    events = []
    for index in range(count):
        money_only = index > 0 and draw(st.booleans()) and draw(st.booleans())
        events.append(
            DisputeEvent(
                provider="acme",
                event_id=f"evt_{index}",
                dispute_id="dp_1",
                type="dispute.funds" if money_only else "dispute.updated",
                occurred_at=draw(moments),
                snapshot=None
                if money_only
                else draw(snapshot_strategy if snapshot_strategy is not None else snapshots()),
                funds=draw(st.sampled_from(Funds)) if money_only else None,
                account=draw(st.one_of(st.none(), st.just("acct_1"))),
            )
        )
    return events
