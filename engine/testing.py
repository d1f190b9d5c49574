"""A pytest plugin (entry point ``pytest11``) for testing against a real engine.

Fixtures for plugin authors and for the engine's own tests:

* ``make_settings(**values)`` — engine settings in a private data directory; ``values`` are
  ``DISPUTES_*`` names without the prefix (``make_settings(auto_submit="false")``).
* ``disputes_runtime`` — a migrated engine on SQLite with every installed plugin loaded.
* ``postgres_url`` — a fresh, empty PostgreSQL database for one test (needs
  ``DISPUTES_TEST_POSTGRES_URL``; skipped without it, and a failure when ``CI=true``).
* ``database_url`` — parametrised: the same test on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from engine.db.migrate import upgrade
from engine.runtime import Runtime
from engine.settings import Settings, load_settings

POSTGRES_ENV = "DISPUTES_TEST_POSTGRES_URL"

MakeSettings = Callable[..., Settings]


def unavailable(reason: str) -> NoReturn:
    """Skip a test that needs something this machine lacks — but fail it on CI (``CI=true``),
    where everything the suite needs must be installed."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: required, not skipped)")
    pytest.skip(reason)


@pytest.fixture
def make_settings(tmp_path: Path) -> MakeSettings:
    def build(**values: str) -> Settings:
        environ = {
            "DISPUTES_DATA_DIR": str(tmp_path / "data"),
            "DISPUTES_SECRET_KEY": "test-secret-" + "x" * 40,
        }
        environ.update({f"DISPUTES_{key.upper()}": value for key, value in values.items()})
        return load_settings(environ, cwd=tmp_path)

    return build


@pytest.fixture
def disputes_runtime(make_settings: MakeSettings) -> Iterator[Runtime]:
    runtime = Runtime(make_settings())
    upgrade(runtime.database)
    yield runtime
    runtime.close()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        unavailable(f"{POSTGRES_ENV} is not set: no PostgreSQL to test against")
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"disputes_test_{secrets.token_hex(6)}"
    url = make_url(admin_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as error:
        unavailable(f"PostgreSQL at {POSTGRES_ENV} does not answer: {error}")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield url.set(database=name).render_as_string(hide_password=False)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'disputes.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
