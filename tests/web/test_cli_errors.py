"""Errors a user can cause, seen from the shell: one line on stderr, no traceback, and an exit
code (2 for settings and arguments, 1 for something that did not answer)."""

from __future__ import annotations

import socket
import subprocess
from pathlib import Path

import pytest

from tests.web.test_cli_worker import DISPUTES, environment


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def run(tmp_path: Path, *argv: str, **settings: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DISPUTES, *argv],
        env=environment(tmp_path, **settings),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_an_unreachable_postgresql_is_one_line_and_exit_1(tmp_path: Path) -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/disputes"
    result = run(tmp_path, "db", "upgrade", database_url=url)
    assert result.returncode == 1
    assert "Connection refused" in one_line(result)


def test_a_missing_postgresql_database_is_a_setting_error(
    tmp_path: Path, postgres_url: str
) -> None:
    url = postgres_url.rsplit("/", 1)[0] + "/no_such_database_here"
    result = run(tmp_path, "sync", database_url=url)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("disputes: DISPUTES_DATABASE_URL:")
    assert '"no_such_database_here" does not exist' in line


def test_a_bad_refund_threshold_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "upgrade", efw_refund_below="twenty-five")
    assert result.returncode == 2
    assert one_line(result) == (
        "disputes: DISPUTES_EFW_REFUND_BELOW: must be an amount such as 25.00, not 'twenty-five'"
    )


@pytest.mark.parametrize("port", ["99999", "0", "http"])
def test_a_bad_port_is_a_usage_error(tmp_path: Path, port: str) -> None:
    result = run(tmp_path, "serve", "--port", port)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "argument --port" in result.stderr.splitlines()[-1]


def test_an_unreachable_stripe_is_one_line_without_vendor_boilerplate(tmp_path: Path) -> None:
    port = closed_port()
    result = run(
        tmp_path,
        "sync",
        stripe_api_key="sk_test_unreachable",
        stripe_api_base=f"http://127.0.0.1:{port}",
    )
    assert result.returncode == 1
    assert result.stdout.strip() == (
        "stripe: failed, seen 0, new 0, updated 0, queued 0, failed 0 "
        f"(Stripe is unavailable: no connection to 127.0.0.1:{port} (Connection refused))"
    )
    assert "support@stripe.com" not in result.stdout + result.stderr
    assert "ERROR disputes.sync" in one_line(result)  # the engine's own log line, nothing more


def test_a_storage_scheme_no_plugin_handles_stops_start_up_in_one_line(tmp_path: Path) -> None:
    result = run(tmp_path, "worker", storage_url="ftp://files.example")
    assert result.returncode == 2
    assert one_line(result) == (
        "disputes: DISPUTES_STORAGE_URL: no storage plugin handles ftp:// (installed: file, s3)"
    )
