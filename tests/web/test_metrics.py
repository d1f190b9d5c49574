"""``GET /metrics``: Prometheus' own parser reads the figures of a known database, and only the
dashboard key opens it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from engine.db.base import utcnow
from engine.db.models import WebhookDelivery
from engine.disputes.model import Status
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.engine.intake.test_inbox import deliver, store
from tests.engine.stats.test_gauges import seed_known_database
from tests.support.acme import event_for
from tests.support.engine import make_runtime
from tests.web.conftest import Client
from web.app import create_app

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: Client, headers: dict[str, str]) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        assert family.type == "gauge"
        assert family.documentation  # every family says what it counts
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_the_figures_of_a_known_database_read_back_through_prometheus_parser(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    now = utcnow()
    seed_known_database(runtime.database, now)

    samples = scrape(client, bearer)

    assert samples[("disputes_database_up", ())] == 1
    assert (
        samples[("disputes_by_status", (("provider", "acme"), ("status", "needs_response")))] == 3
    )
    assert samples[("disputes_by_status", (("provider", "acme"), ("status", "won")))] == 1
    assert samples[("disputes_by_status", (("provider", "handpay"), ("status", "lost")))] == 1
    assert samples[("disputes_by_status", (("provider", "handpay"), ("status", "won")))] == 0
    evidence = {
        dict(labels)["state"]: value
        for (name, labels), value in samples.items()
        if name == "disputes_evidence_by_state"
    }
    assert evidence == {
        "none": 1,
        "building": 0,
        "ready": 1,
        "submitted": 1,
        "manual_required": 1,
        "sent_manually": 0,
        "rejected": 0,
        "failed": 1,
    }
    deliveries = "disputes_webhook_deliveries_last_hour"
    assert samples[(deliveries, (("outcome", "applied"), ("provider", "acme")))] == 2
    assert samples[(deliveries, (("outcome", "rejected"), ("provider", "acme")))] == 1
    assert samples[(deliveries, (("outcome", "ignored"), ("provider", "handpay")))] == 1
    assert samples[(deliveries, (("outcome", "duplicate"), ("provider", "acme")))] == 0
    assert samples[("disputes_work_items", (("state", "queued"),))] == 2
    assert samples[("disputes_work_items", (("state", "claimed"),))] == 2
    assert samples[("disputes_work_due_items", ())] == 2
    # seeded five minutes before the scrape; the scrape itself takes a moment
    assert 300 <= samples[("disputes_work_oldest_due_age_seconds", ())] < 330
    notifications = "disputes_notifications"
    assert samples[(notifications, (("notifier", "telegram"), ("state", "pending")))] == 2
    assert samples[(notifications, (("notifier", "telegram"), ("state", "failed")))] == 1
    assert 120 <= samples[("disputes_notifications_oldest_pending_age_seconds", ())] < 150


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-key-wrong-key"}, {"Authorization": "Basic abc"}],
    ids=["no key", "wrong key", "not bearer"],
)
def test_without_the_dashboard_key_the_metrics_are_refused(
    client: Client, headers: dict[str, str]
) -> None:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "disputes_" not in response.text


def test_with_no_dashboard_key_configured_the_metrics_are_off(
    make_settings: MakeSettings,
) -> None:
    runtime = make_runtime(make_settings())
    with TestClient(create_app(runtime)) as client:
        response = client.get("/metrics", headers={"Authorization": "Bearer anything-at-all"})
    runtime.close()
    assert response.status_code == 503
    assert "DISPUTES_DASHBOARD_KEY" in response.json()["error"]


def test_the_metrics_route_is_not_part_of_the_api_schema(client: Client) -> None:
    assert "/metrics" not in client.get("/schema/openapi.json").json()["paths"]


@pytest.fixture
def unreachable(runtime: Runtime) -> Iterator[None]:
    """The database's file replaced by a directory: every query fails."""
    runtime.database.dispose()
    path = runtime.settings.data_dir / "disputes.db"
    path.unlink()
    path.mkdir()
    yield
    path.rmdir()


@pytest.mark.usefixtures("unreachable")
def test_a_database_that_does_not_answer_reads_as_down_not_as_zeros(
    client: Client, bearer: dict[str, str]
) -> None:
    samples = scrape(client, bearer)
    assert samples == {("disputes_database_up", ()): 0}


def test_the_webhook_inbox_shows_how_far_the_disputes_lag_the_answers(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    samples = scrape(client, bearer)
    assert samples[("disputes_webhook_inbox_deliveries", ())] == 0
    assert samples[("disputes_webhook_inbox_oldest_age_seconds", ())] == 0
    # given two deliveries answered 90 s ago and waiting to be applied
    store(
        runtime.book,
        [deliver(event_for("acme", f"e{n}", f"dp_{n}", Status.WON)) for n in range(2)],
    )
    with runtime.database.transaction() as session:
        session.execute(
            update(WebhookDelivery).values(received_at=utcnow() - timedelta(seconds=90))
        )
    samples = scrape(client, bearer)
    assert samples[("disputes_webhook_inbox_deliveries", ())] == 2
    assert 90 <= samples[("disputes_webhook_inbox_oldest_age_seconds", ())] < 120
