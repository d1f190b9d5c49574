"""The statistics, on both databases, against figures worked out by hand for six disputes."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import EventSource
from engine.disputes.ingest import DisputeBook
from engine.disputes.model import Money, Status
from engine.stats import compute_stats
from engine.stats.aggregates import Share
from tests.support.acme import event_for

#  id    provider currency amount  status          reason                opened      fees
CASES = [
    ("d1", "acme", "USD", "100.00", Status.NEEDS_RESPONSE, "fraudulent", (2026, 1, 10), []),
    ("d2", "acme", "USD", "250.50", Status.WON, "fraudulent", (2026, 1, 20), ["35.00 USD"]),
    ("d3", "acme", "USD", "40.25", Status.LOST, "duplicate", (2026, 2, 3), ["15.00 USD"]),
    ("d4", "acme", "EUR", "19.99", Status.UNDER_REVIEW, "general", (2026, 2, 10), []),
    ("d5", "acme", "EUR", "80.01", Status.ACCEPTED, "fraudulent", (2026, 2, 11), ["15.00 eur"]),
    ("d6", "handpay", "USD", "10.00", Status.WON, "product_not_received", (2026, 3, 1), []),
]


def seed(database: Database) -> None:
    """Through the dispute book, as webhooks would: the tallies are kept as the rows change."""
    book = DisputeBook(database)
    for dispute_id, provider, currency, amount, status, reason, opened, fees in CASES:
        fee_money = tuple(
            Money(amount=Decimal(fee.split()[0]), currency=fee.split()[1]) for fee in fees
        )
        # Opened first, then decided with its fees: the tallies move the dispute, not add it.
        for n, (step, charged) in enumerate(((Status.NEEDS_RESPONSE, ()), (status, fee_money))):
            book.apply_one(
                event_for(
                    provider,
                    f"evt_{dispute_id}_{n}",
                    dispute_id,
                    step,
                    amount=amount,
                    currency=currency,
                    reason=reason,
                    created_at=datetime(*opened, tzinfo=UTC),
                    occurred_at=datetime(2026, 3, 2, n, tzinfo=UTC),
                    fees=charged,
                ),
                source=EventSource.WEBHOOK,
            )


def test_the_statistics_match_the_hand_worked_figures(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    seed(database)
    with database.reading() as session:
        stats = compute_stats(session)
    assert stats.total == 6
    assert stats.by_status == {
        "needs_response": 1,
        "won": 2,
        "lost": 1,
        "under_review": 1,
        "accepted": 1,
    }
    # decided: won d2, d6; lost d3, accepted d5
    assert stats.win_rate == 0.5
    assert stats.by_reason == [
        Share("duplicate", 1, 0, 1),
        Share("fraudulent", 3, 1, 1),
        Share("general", 1, 0, 0),
        Share("product_not_received", 1, 1, 0),
    ]
    assert [share.win_rate for share in stats.by_reason] == [0.0, 0.5, None, 1.0]
    assert stats.by_provider == [Share("acme", 5, 1, 2), Share("handpay", 1, 1, 0)]
    assert stats.by_provider[0].win_rate == 0.3333
    assert stats.by_month == [
        Share("2026-01", 2, 1, 0),
        Share("2026-02", 3, 0, 2),
        Share("2026-03", 1, 1, 0),
    ]
    usd, eur = stats.amounts["USD"], stats.amounts["EUR"]
    assert (usd.at_risk, usd.won, usd.lost, usd.fees) == (
        Decimal("100.00"),
        Decimal("260.50"),
        Decimal("40.25"),
        Decimal("50.00"),
    )
    assert usd.net_recovery == Decimal("210.50")
    assert (eur.at_risk, eur.won, eur.lost, eur.fees) == (
        Decimal("19.99"),
        Decimal("0"),
        Decimal("80.01"),
        Decimal("15.00"),
    )
    assert eur.net_recovery == Decimal("-15.00")
    assert set(stats.amounts) == {"USD", "EUR"}


def test_no_disputes_no_figures(database_url: str) -> None:
    database = Database(database_url)
    upgrade(database)
    with database.reading() as session:
        stats = compute_stats(session)
    assert (stats.total, stats.by_status, stats.amounts, stats.win_rate) == (0, {}, {}, None)
    assert stats.by_reason == stats.by_provider == stats.by_month == []
