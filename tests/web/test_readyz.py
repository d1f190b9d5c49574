"""``/readyz``: 200 only when the database answers and its schema is at the migrations' head;
503 naming the reason otherwise. No key needed (load balancers and the Docker HEALTHCHECK)."""

from __future__ import annotations

import socket

from litestar.testing import TestClient

from engine.db.migrate import head_revision, upgrade
from engine.health.readiness import Readiness
from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.support.engine import make_runtime
from web.app import create_app


def test_ready_when_the_schema_is_at_head_and_without_a_key(make_settings: MakeSettings) -> None:
    runtime = make_runtime(make_settings(dashboard_key="k" * 32))
    with TestClient(create_app(runtime)) as client:
        response = client.get("/readyz")
    runtime.close()
    assert response.status_code == 200
    assert response.json() == {
        "status": Readiness.READY.value,
        "schema_revision": head_revision(),
        "code_revision": head_revision(),
    }


def test_not_ready_while_migrations_are_pending(make_settings: MakeSettings) -> None:
    runtime = Runtime(make_settings())
    with TestClient(create_app(runtime)) as client:
        pending = client.get("/readyz")
        upgrade(runtime.database)
        after_upgrade = client.get("/readyz")
    runtime.close()
    assert pending.status_code == 503
    assert pending.json()["status"] == Readiness.MIGRATIONS_PENDING.value
    assert pending.json()["schema_revision"] is None
    assert after_upgrade.status_code == 200


def test_not_ready_when_the_database_does_not_answer(make_settings: MakeSettings) -> None:
    # A port that was just free: nothing listens there, so PostgreSQL is "down".
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    runtime = Runtime(
        make_settings(database_url=f"postgresql+psycopg://nobody@127.0.0.1:{port}/none")
    )
    with TestClient(create_app(runtime)) as client:
        response = client.get("/readyz")
    runtime.close()
    assert response.status_code == 503
    assert response.json()["status"] == Readiness.DATABASE_UNREACHABLE.value
    assert response.json()["schema_revision"] is None
