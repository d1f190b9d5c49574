"""Benchmark: bytes on disk per dispute.

``python -m bench.size [--disputes 5000]``

Delivers each dispute's life as Stripe sends it — ``charge.dispute.created``, ``updated`` (under
review) and ``closed`` (won), three signed webhooks with the full dispute object — through the
engine's own webhook path into a fresh SQLite database, vacuums it and prints the bytes per
dispute in all and per table (SQLite's ``dbstat``).
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.webhooks import Deliveries, _engine_env, _template
from engine.db.base import utcnow
from engine.db.migrate import upgrade
from engine.plugins.provider import FraudWarningReceived, WebhookRequest
from engine.runtime import Runtime
from engine.settings import load_settings

LIFE = (
    ("charge.dispute.created", "needs_response"),
    ("charge.dispute.updated", "under_review"),
    ("charge.dispute.closed", "won"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--disputes", type=int, default=5_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-size-") as scratch:
        path = Path(scratch) / "size.db"
        env = _engine_env(f"sqlite:///{path}", Path(scratch) / "data")
        runtime = Runtime(load_settings(env))
        upgrade(runtime.database)
        stripe = runtime.provider("stripe")
        deliveries = Deliveries(_template(), int(time.time()))
        for step, (kind, status) in enumerate(LIFE):
            for dispute in range(args.disputes):
                n = step * args.disputes + dispute
                request = deliveries.delivery(n, dispute, status, kind)
                verdict = stripe.handle_webhook(
                    WebhookRequest(
                        body=request.body,
                        headers={"stripe-signature": request.headers["Stripe-Signature"]},
                        path_params={},
                        received_at=utcnow(),
                    )
                )
                assert not isinstance(verdict, FraudWarningReceived)  # dispute events only
                runtime.book.record_delivery("stripe", verdict, request.body)
        runtime.database.dispose()
        with sqlite3.connect(path) as connection:
            connection.execute("VACUUM")
            tables = connection.execute(
                "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC"
            ).fetchall()
        total = path.stat().st_size
    per_dispute = total / args.disputes
    print(f"{args.disputes:,} disputes, 3 webhooks each: {per_dispute:,.0f} bytes per dispute")
    for name, size in tables[:12]:
        print(f"  {name:40} {size / args.disputes:8,.0f}")


if __name__ == "__main__":
    main()
