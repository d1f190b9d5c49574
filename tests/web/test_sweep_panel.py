"""The list page's sweep panel: each provider's last reconciliation sweep — when, how many it
read, what it repaired, its errors — apart from the last manual sync; and ``GET /api/sync``
keeping its shape with the kind added."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from litestar.testing import TestClient

from engine.db.base import utcnow
from engine.db.models import SyncKind, SyncRun, SyncState
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.support.engine import make_runtime
from tests.web.conftest import DASHBOARD_KEY, Client
from web.app import create_app
from web.labels import every


def add_run(runtime: Runtime, kind: SyncKind, **fields: object) -> None:
    now = utcnow()
    values: dict[str, object] = {
        "provider": "acme",
        "kind": kind,
        "state": SyncState.FINISHED,
        "started_at": now - timedelta(minutes=2),
        "finished_at": now,
        "errors": [],
        "repairs": [],
    }
    values.update(fields)
    with runtime.database.transaction() as session:
        session.add(SyncRun(**values))


def test_the_panel_shows_the_last_sweep_and_what_it_repaired(
    signed_in: Client, runtime: Runtime
) -> None:
    # given no sweep yet
    assert "No sweep has run yet" in signed_in.get("/disputes").text
    # when a manual sync and then a sweep ran
    add_run(runtime, SyncKind.SYNC, seen=40, new=40)
    add_run(
        runtime,
        SyncKind.SWEEP,
        seen=12,
        updated=2,
        new=1,
        failed=1,
        repairs=[
            {"dispute_id": "dp_missed", "before": "needs_response", "after": "lost"},
            {"dispute_id": "dp_found", "before": "new", "after": "needs_response"},
        ],
        errors=[{"dispute_id": "dp_broken", "error": "Stripe failed: boom"}],
    )
    html = signed_in.get("/disputes").text
    # then the panel says what the sweep did, linked to the disputes it put right
    panel = html[html.index('id="sweeps"') :]
    assert "read 12 · repaired 2 · new 1 · errors 1" in panel
    assert '<a href="/disputes/acme/dp_missed">dp_missed</a> Needs response → Lost' in panel
    assert '<a href="/disputes/acme/dp_found">dp_found</a> found, Needs response' in panel
    assert "dp_broken: Stripe failed: boom" in panel
    assert "Every hour" in panel
    # and the last sync line still shows the manual sync, not the sweep
    syncs = html[html.index("<h2>Last sync</h2>") : html.index('id="sweeps"')]
    assert "seen 40, new 40" in syncs


def test_a_long_list_of_repairs_is_cut_to_five(signed_in: Client, runtime: Runtime) -> None:
    repairs = [{"dispute_id": f"dp_{n}", "before": "open", "after": "won"} for n in range(8)]
    add_run(runtime, SyncKind.SWEEP, seen=8, updated=8, repairs=repairs)
    panel = signed_in.get("/disputes").text.split('id="sweeps"')[1]
    assert "dp_4" in panel and "dp_5" not in panel
    assert "and 3 more" in panel


def test_the_api_keeps_its_shape_and_tells_a_sweep_from_a_sync(
    client: Client, runtime: Runtime, bearer: dict[str, str]
) -> None:
    add_run(runtime, SyncKind.SYNC, seen=3)
    add_run(
        runtime,
        SyncKind.SWEEP,
        seen=2,
        updated=1,
        repairs=[{"dispute_id": "dp_1", "before": "open", "after": "won"}],
    )
    body = client.get("/api/sync", headers=bearer).json()
    # the newest read of each processor, as before, with its kind and repairs added
    assert list(body) == ["acme"]
    assert body["acme"]["kind"] == "sweep"
    assert body["acme"]["repairs"] == [{"dispute_id": "dp_1", "before": "open", "after": "won"}]
    assert {"provider", "state", "started_at", "finished_at", "seen", "new", "updated"} <= set(
        body["acme"]
    )


@pytest.fixture
def sweeps_off(make_settings: MakeSettings) -> Iterator[Client]:
    runtime = make_runtime(
        make_settings(dashboard_key=DASHBOARD_KEY, reconcile_interval_seconds="0")
    )
    with TestClient(create_app(runtime)) as test_client:
        test_client.get(f"/disputes?key={DASHBOARD_KEY}")
        yield test_client
    runtime.close()


def test_the_panel_says_when_sweeps_are_off(sweeps_off: Client) -> None:
    assert "DISPUTES_RECONCILE_INTERVAL_SECONDS=0" in sweeps_off.get("/disputes").text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, ""), (60, "minute"), (3600, "hour"), (5400, "90 minutes"), (7200, "2 hours"),
     (86400, "day"), (61, "61 seconds")],
)  # fmt: skip
def test_the_interval_reads_as_a_person_says_it(seconds: int, text: str) -> None:
    assert every(seconds) == text
