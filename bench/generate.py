"""Make N realistic disputes fast: bulk inserts straight into a migrated database (not the
webhook path, which is what ``bench.webhooks`` would measure).

``python -m bench.generate DATABASE_URL N`` — about 50k rows a second on SQLite.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from engine.db.database import Database
from engine.db.migrate import upgrade
from engine.db.models import Dispute, EvidenceState, WorkState
from engine.disputes.model import Funds, Reason, Stage, Status
from engine.stats import tallies

BATCH = 5_000
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
# Roughly what a merchant's history looks like: most disputes decided, a few open.
STATUS_WEIGHTS = {
    Status.WON: 30,
    Status.LOST: 35,
    Status.ACCEPTED: 8,
    Status.NEEDS_RESPONSE: 6,
    Status.UNDER_REVIEW: 8,
    Status.CLOSED: 5,
    Status.EXPIRED: 3,
    Status.RECEIVED: 2,
    Status.OPEN: 3,
}
REASON_WEIGHTS = {
    Reason.FRAUDULENT: 40,
    Reason.PRODUCT_NOT_RECEIVED: 20,
    Reason.PRODUCT_UNACCEPTABLE: 10,
    Reason.SUBSCRIPTION_CANCELED: 8,
    Reason.DUPLICATE: 5,
    Reason.CREDIT_NOT_PROCESSED: 7,
    Reason.UNRECOGNIZED: 5,
    Reason.GENERAL: 5,
}


def _row(rng: random.Random, n: int) -> dict[str, Any]:
    provider = "stripe" if rng.random() < 0.8 else "paystand"
    status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    reason = rng.choices(list(REASON_WEIGHTS), weights=list(REASON_WEIGHTS.values()))[0]
    created = EPOCH + timedelta(seconds=rng.randrange(int(SPAN.total_seconds())))
    currency = rng.choice(("USD", "USD", "USD", "EUR", "GBP"))
    fee = "15.00" if provider == "stripe" else "35.00"
    return {
        "provider": provider,
        "dispute_id": f"dp_bench{n:09d}" if provider == "stripe" else f"bench{n:09d}",
        "stage": Stage.INQUIRY if rng.random() < 0.1 else Stage.CHARGEBACK,
        "status": status,
        "provider_status": status.value,
        "reason": reason,
        "provider_reason": reason.value,
        "amount": f"{rng.randrange(500, 250_000) / 100:.2f}",
        "currency": currency,
        "funds": Funds.DEBITED,
        "fees": [{"amount": fee, "currency": currency, "kind": "dispute_fee"}],
        "respond_by": created + timedelta(days=7) if not status.is_final else None,
        "payment_id": f"ch_bench{n:09d}",
        "customer_email": f"customer{n}@example.com",
        "customer_name": f"Customer {n}",
        "created_at": created,
        "first_seen_at": created,
        "updated_at": created,
        "last_event_at": created + timedelta(days=rng.randrange(60)),
        "evidence_state": EvidenceState.NONE,
        "work_state": WorkState.IDLE,
        "work_attempts": 0,
    }


def generate(database: Database, count: int, *, seed: int = 11, start: int = 0) -> float:
    """Insert ``count`` disputes numbered from ``start``; returns the seconds it took."""
    upgrade(database)
    rng = random.Random(seed + start)
    began = time.perf_counter()
    for first in range(start, start + count, BATCH):
        rows = [_row(rng, n) for n in range(first, min(first + BATCH, start + count))]
        with database.transaction() as session:
            session.execute(insert(Dispute), rows)
    with database.transaction() as session:
        # Bulk rows bypass the dispute book, so their tallies are counted once here.
        tallies.rebuild(session)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("count", type=int)
    args = parser.parse_args()
    seconds = generate(Database(args.url), args.count)
    print(f"{args.count} disputes in {seconds:.1f} s ({args.count / seconds:,.0f}/s)")


if __name__ == "__main__":
    main()
