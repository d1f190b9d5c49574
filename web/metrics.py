"""``GET /metrics``: the Prometheus text format, behind the dashboard key (``Bearer``).

A custom collector reads the database when Prometheus scrapes (:mod:`engine.stats.gauges`), so
every process of a deployment reports the same figures and nothing is counted in memory that a
restart would lose. The registry belongs to the app, not to the client library's global one:
two apps in one process (tests, the demo) never collide. The route stays out of the OpenAPI
document — it is for Prometheus, not for API clients.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from litestar import MediaType, Request, Response, get
from litestar.di import NamedDependency
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.exc import SQLAlchemyError

from engine.db.base import utcnow
from engine.runtime import Runtime
from engine.stats.gauges import Gauges, read_gauges
from web.gates import api_gate

NAMESPACE = "disputes"
TEXT_FORMAT = "text/plain; version=0.0.4"
"""The classic text format every Prometheus reads (Litestar adds ``charset=utf-8``)."""


class DatabaseCollector(Collector):
    """Every gauge of :class:`Gauges`, read at scrape time; ``disputes_database_up`` says
    whether the database answered (0: the other gauges are absent, not zero)."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        runtime = self.runtime
        try:
            with runtime.database.reading() as session:
                gauges = read_gauges(session, utcnow(), runtime.plugins.providers)
        except SQLAlchemyError:
            yield _gauge("database_up", "Whether the database answered this scrape.", value=0)
            return
        yield _gauge("database_up", "Whether the database answered this scrape.", value=1)
        yield from _families(gauges)


def _families(gauges: Gauges) -> Iterator[Metric]:
    disputes = _gauge(
        "by_status", "Disputes by provider and neutral status.", ["provider", "status"]
    )
    for (provider, status), n in sorted(gauges.disputes.items()):
        disputes.add_metric([provider, status], n)
    yield disputes
    evidence = _gauge("evidence_by_state", "Disputes by the state of their evidence.", ["state"])
    for state, n in sorted(gauges.evidence.items()):
        evidence.add_metric([state], n)
    yield evidence
    deliveries = _gauge(
        "webhook_deliveries_last_hour",
        "Webhook deliveries received in the last hour, by provider and outcome.",
        ["provider", "outcome"],
    )
    for (provider, outcome), n in sorted(gauges.deliveries.items()):
        deliveries.add_metric([provider, outcome], n)
    yield deliveries
    yield _gauge(
        "webhook_inbox_deliveries",
        "Webhook deliveries answered and stored whose events are not applied yet.",
        value=gauges.inbox,
    )
    yield _gauge(
        "webhook_inbox_oldest_age_seconds",
        "Age of the oldest delivery waiting in the webhook inbox (0 when none waits).",
        value=gauges.oldest_inbox_age,
    )
    work = _gauge("work_items", "Disputes with evidence work queued or claimed.", ["state"])
    for state, n in sorted(gauges.work.items()):
        work.add_metric([state], n)
    yield work
    yield _gauge(
        "work_due_items",
        "Evidence work a worker may claim now (queued and due, or an expired claim).",
        value=gauges.work_due,
    )
    yield _gauge(
        "work_oldest_due_age_seconds",
        "How long the longest-waiting due work has been due (0 when none is).",
        value=gauges.oldest_due_age,
    )
    backlog = _gauge(
        "notifications",
        "Outbox announcements not sent: pending, or failed after the last attempt.",
        ["notifier", "state"],
    )
    for (notifier, state), n in sorted(gauges.notifications.items()):
        backlog.add_metric([notifier, state], n)
    yield backlog
    yield _gauge(
        "notifications_oldest_pending_age_seconds",
        "Age of the oldest pending announcement (0 when none waits).",
        value=gauges.oldest_pending_notification_age,
    )


def _gauge(
    name: str, documentation: str, labels: list[str] | None = None, *, value: float | None = None
) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{NAMESPACE}_{name}", documentation, value=value, labels=labels)


def metrics_registry(runtime: Runtime) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(runtime))
    return registry


def _key_gate(request: Request[Any, Any, Any]) -> Response[dict[str, str]] | None:
    """The API's gate (:mod:`web.auth`); its refusals stay JSON on this text route."""
    refusal = api_gate(request)
    if refusal is not None:
        refusal.media_type = MediaType.JSON
    return refusal


@get(
    "/metrics",
    include_in_schema=False,
    before_request=_key_gate,
    media_type=TEXT_FORMAT,
    sync_to_thread=True,
)
def metrics(runtime: NamedDependency[Runtime]) -> Response[bytes]:
    """The gauges in Prometheus' text format (the collector blocks on the database: the
    handler runs in the thread pool)."""
    return Response(generate_latest(metrics_registry(runtime)), media_type=TEXT_FORMAT)
