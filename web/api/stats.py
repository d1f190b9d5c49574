"""``GET /api/stats``: the statistics of every dispute, from the running tallies."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.openapi.datastructures import ResponseSpec

from engine.disputes.money import format_amount
from engine.runtime import Runtime
from engine.stats import DisputeStats, compute_stats
from engine.stats.aggregates import Share
from web.api.disputes import api_error
from web.api.schemas import ErrorOut
from web.gates import api_gate

_ERRORS = {
    401: ResponseSpec(ErrorOut, description="No key, or the wrong key"),
    429: ResponseSpec(
        ErrorOut, description="Too many wrong keys from this address: wait Retry-After seconds"
    ),
    503: ResponseSpec(ErrorOut, description="DISPUTES_DASHBOARD_KEY is not set"),
}


def _share(share: Share, name: str) -> dict[str, Any]:
    return {
        name: share.key,
        "count": share.count,
        "won": share.won,
        "lost": share.lost,
        "win_rate": share.win_rate,
    }


def stats_json(stats: DisputeStats) -> dict[str, Any]:
    """Amounts are decimal strings per currency; rates are fractions of decided disputes
    (won / (won + lost, accepted or expired)), ``null`` before any is decided."""
    return {
        "total": stats.total,
        "by_status": stats.by_status,
        "by_reason": [_share(share, "reason") for share in stats.by_reason],
        "by_provider": [_share(share, "provider") for share in stats.by_provider],
        "by_month": [_share(share, "month") for share in stats.by_month],
        "win_rate": stats.win_rate,
        "amounts": {
            currency: {
                "at_risk": format_amount(totals.at_risk),
                "won": format_amount(totals.won),
                "lost": format_amount(totals.lost),
                "fees": format_amount(totals.fees),
                "net_recovery": format_amount(totals.net_recovery),
            }
            for currency, totals in sorted(stats.amounts.items())
        },
    }


class StatsApiController(Controller):
    path = "/api"
    tags = ["stats"]
    before_request = staticmethod(api_gate)
    security = [{"dashboard_key": []}]
    exception_handlers = {HTTPException: api_error}

    @get(
        "/stats",
        sync_to_thread=True,
        summary="Dispute statistics: counts, win rates, amounts",
        responses=_ERRORS,
    )
    def stats(self, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
        with runtime.database.reading() as session:
            return stats_json(compute_stats(session))
