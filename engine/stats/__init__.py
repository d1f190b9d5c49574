"""Statistics over all disputes (``GET /api/stats``), computed by the database."""

from engine.stats.aggregates import DisputeStats, MoneyTotals, compute_stats

__all__ = ["DisputeStats", "MoneyTotals", "compute_stats"]
