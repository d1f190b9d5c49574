"""The ``disputes`` command as a user meets it: help, one-line errors, zero-config serve."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import httpx
import pytest

from engine.testing import unavailable
from tests.support.serving import free_port
from web.cli import main

DISPUTES = str(Path(sys.executable).with_name("disputes"))


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ["PATH"], "HOME": str(cwd)}
    environment.update(env or {})
    return subprocess.run(
        [DISPUTES, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "command",
    [
        ["serve"],
        ["sync"],
        ["worker"],
        ["regen"],
        ["db", "upgrade"],
        ["doctor"],
        ["setup-webhook"],
        [],
    ],
)
def test_every_command_has_help(tmp_path: Path, command: list[str]) -> None:
    result = run([*command, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "usage: disputes" in result.stdout


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DISPUTES_AUTO_SUBMIT": "perhaps"}, "DISPUTES_AUTO_SUBMIT"),
        ({"DISPUTES_DATABASE_URL": "oracle://db"}, "DISPUTES_DATABASE_URL"),
        ({"DISPUTES_SECRET_KEY": "too-short"}, "DISPUTES_SECRET_KEY"),
        ({"DISPUTES_TIMEZONE": "Mars/Olympus_Mons"}, "DISPUTES_TIMEZONE"),
    ],
)
def test_a_bad_setting_prints_one_line_and_exits_2(
    tmp_path: Path, env: dict[str, str], variable: str
) -> None:
    result = run(["db", "upgrade"], tmp_path, env)
    assert result.returncode == 2
    assert result.stderr.startswith(f"disputes: {variable}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_sync_without_any_provider_configured_says_what_to_set(tmp_path: Path) -> None:
    result = run(["sync"], tmp_path)
    assert result.returncode == 2
    assert "DISPUTES_STRIPE_API_KEY" in result.stderr and result.stderr.count("\n") == 1


def test_a_database_file_the_user_cannot_write_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    # Given the classic: the database was created by root, the engine runs as another user
    if os.geteuid() != 0:
        unavailable("needs root to run the engine as another user")
    # (pytest's tmp_path lives under a root-only directory: use a world-readable one)
    home = Path(tempfile.mkdtemp(prefix="disputes-www-"))
    home.chmod(0o755)
    request.addfinalizer(lambda: shutil.rmtree(home, ignore_errors=True))
    monkeypatch.chdir(home)
    monkeypatch.setenv("DISPUTES_SECRET_KEY", "s" * 40)
    assert main(["db", "upgrade"]) == 0  # as root: creates data/disputes.db, and loads the code
    assert (home / "data" / "disputes.db").exists()
    # When www-data (here: nobody) starts it — a forked engine process that drops to nobody
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            os.dup2(write_end, 2)
            sys.stderr = os.fdopen(2, "w", buffering=1)
            code = main(["db", "upgrade"])
            sys.stderr.flush()
        except BaseException:
            traceback.print_exc()
        finally:
            os._exit(locals().get("code", 99))
    os.close(write_end)
    with os.fdopen(read_end) as pipe:
        stderr = pipe.read()
    _, status = os.waitpid(child, 0)
    # Then one line names the variable, the path, the user and the owner; exit code 2
    assert os.waitstatus_to_exitcode(status) == 2, stderr
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert stderr.startswith("disputes: DISPUTES_DATABASE_URL")
    assert "not writable by user nobody (it belongs to root)" in stderr


def test_serve_with_no_configuration_creates_the_database_and_answers_healthz(
    tmp_path: Path,
) -> None:
    port = free_port()
    server = subprocess.Popen(
        [DISPUTES, "serve", "--port", str(port)],
        cwd=tmp_path,
        env={"PATH": os.environ["PATH"], "HOME": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.3)
        assert response.status_code == 200 and response.json() == {"status": "ok"}
        assert (tmp_path / "data" / "disputes.db").exists()
    finally:
        server.terminate()
        server.wait(timeout=30)
