"""Global options of ``disputes`` as a process: ``--version``, ``-v`` on either side of the
subcommand, and vendor loggers kept quiet even with ``-v``."""

from __future__ import annotations

import subprocess
from importlib.metadata import version
from pathlib import Path

import pytest

from tests.web.test_cli_worker import DISPUTES, environment


def run(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DISPUTES, *argv],
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_version_prints_the_installed_distribution_version(tmp_path: Path) -> None:
    result = run(tmp_path, "--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"disputes {version('dispute-engine')}"


@pytest.mark.parametrize(
    "argv",
    [("-v", "db", "upgrade"), ("db", "upgrade", "-v"), ("--verbose", "db", "upgrade")],
)
def test_verbose_is_accepted_before_or_after_the_subcommand(
    tmp_path: Path, argv: tuple[str, ...]
) -> None:
    result = run(tmp_path, *argv)
    assert result.returncode == 0, result.stderr
    assert "INFO alembic" in result.stderr
    # WeasyPrint logs every CSS parsing step at INFO; it stays at WARNING even with -v.
    assert "weasyprint" not in result.stderr


def test_without_verbose_only_the_outcome_is_printed(tmp_path: Path) -> None:
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0
    assert result.stderr == ""
    assert "up to date" in result.stdout
