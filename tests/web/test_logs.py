"""The one log set-up: both formats, the levels, and what an access line carries — the request
id (taken from a sane ``X-Request-ID`` or made, always echoed) and the client address (a
trusted proxy's forwarded one only)."""

from __future__ import annotations

import io
import json
import logging
import re

import httpx
import pytest
from litestar.testing import TestClient

from engine.runtime import Runtime
from engine.testing import MakeSettings
from tests.support.engine import make_runtime
from tests.support.serving import serving
from tests.web.conftest import DASHBOARD_KEY, Client
from web.app import create_app
from web.logs import configure_logging

GENERATED_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def log() -> io.StringIO:
    """Where the configured handler writes (tests/conftest.py puts logging back afterwards)."""
    return io.StringIO()


def json_lines(log: io.StringIO) -> list[dict[str, object]]:
    lines = log.getvalue().splitlines()
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]


def test_json_lines_parse_and_carry_the_request_fields(
    log: io.StringIO, make_settings: MakeSettings
) -> None:
    runtime = make_runtime(make_settings(log_format="json"))
    configure_logging(settings=runtime.settings, service=True, stream=log)

    with TestClient(create_app(runtime)) as client:
        response = client.get("/healthz", headers={"X-Request-ID": "req-42.a:b"})
    runtime.close()

    assert response.headers["x-request-id"] == "req-42.a:b"
    [line] = [entry for entry in json_lines(log) if entry["logger"] == "disputes.access"]
    assert set(line) == {
        "time", "level", "logger", "message",
        "request_id", "client", "method", "path", "status", "duration_ms",
    }  # fmt: skip
    assert (line["level"], line["request_id"], line["client"]) == (
        "INFO",
        "req-42.a:b",
        "testclient",
    )
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert isinstance(line["duration_ms"], float)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", str(line["time"]))


@pytest.mark.parametrize(
    "sent",
    ["has spaces in it", "x" * 129, "-starts-with-a-dash", "new\nline", "é"],
    ids=["spaces", "too long", "dash first", "newline", "non-ascii"],
)
def test_an_insane_request_id_is_replaced_not_logged(
    log: io.StringIO, runtime: Runtime, client: Client, sent: str
) -> None:
    configure_logging(settings=runtime.settings, service=True, stream=log)
    response = client.get("/healthz", headers={b"X-Request-ID": sent.encode()})
    made = response.headers["x-request-id"]
    assert GENERATED_ID.fullmatch(made)
    assert log.getvalue().rstrip().endswith(f"request_id={made}")
    assert sent not in log.getvalue()


def test_a_server_error_is_logged_once_with_its_traceback_and_request_id(
    log: io.StringIO, make_settings: MakeSettings
) -> None:
    runtime = make_runtime(make_settings(dashboard_key=DASHBOARD_KEY, log_format="json"))
    path = runtime.settings.data_dir / "disputes.db"
    configure_logging(settings=runtime.settings, stream=log)
    runtime.database.dispose()
    path.unlink()
    path.mkdir()  # the database file is now a directory: every query fails
    try:
        with TestClient(create_app(runtime)) as client:
            answer = client.get(
                "/api/disputes", headers={"Authorization": f"Bearer {DASHBOARD_KEY}"}
            )
    finally:
        runtime.close()
        path.rmdir()
    assert answer.status_code == 500
    [error] = [entry for entry in json_lines(log) if entry["level"] == "ERROR"]
    assert error["logger"] == "disputes.web"
    assert str(error["message"]).startswith("GET /api/disputes failed: ")
    assert "OperationalError" in str(error["exception"])
    assert error["request_id"] == answer.headers["x-request-id"]


def test_vendor_info_lines_appear_only_with_verbose(
    log: io.StringIO, make_settings: MakeSettings
) -> None:
    settings = make_settings()
    configure_logging(settings=settings, service=True, stream=log)
    make_runtime(settings).close()  # migrating logs alembic INFO lines
    assert "alembic" not in log.getvalue()

    configure_logging(1, settings=settings, stream=log)
    make_runtime(make_settings(database_url=f"sqlite:///{settings.data_dir}/other.db")).close()
    assert "INFO alembic.runtime.migration: Running upgrade" in log.getvalue()
    assert logging.getLogger("weasyprint").level == logging.WARNING  # even with -v


def test_a_bad_log_format_is_a_setting_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.errors import SettingError

    monkeypatch.setenv("DISPUTES_LOG_FORMAT", "xml")
    with pytest.raises(SettingError, match="DISPUTES_LOG_FORMAT: must be text or json"):
        configure_logging()


@pytest.mark.parametrize(("trusted", "expected"), [("127.0.0.1", "203.0.113.9"), ("", "127.0.0.1")])
def test_the_client_address_is_a_trusted_proxys_forwarded_one(
    log: io.StringIO, make_settings: MakeSettings, trusted: str, expected: str
) -> None:
    runtime = make_runtime(make_settings(trusted_proxies=trusted))
    configure_logging(settings=runtime.settings, service=True, stream=log)
    with serving(runtime) as base:
        httpx.get(f"{base}/healthz", headers={"X-Forwarded-For": "203.0.113.9"})
    runtime.close()
    [access] = [line for line in log.getvalue().splitlines() if "disputes.access" in line]
    assert "GET /healthz 200 " in access
    assert f" client={expected} request_id=" in access
