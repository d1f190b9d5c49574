"""``python -m emulators.paystand`` with a Python that lacks the dependencies: one clear line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_python_without_the_dependencies_gets_one_line_naming_the_fix() -> None:
    # -S leaves out site-packages: the same interpreter, but as bare as a system Python.
    result = subprocess.run(
        [sys.executable, "-S", "-m", "emulators.paystand", "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1
    assert "lacks httpx" in result.stderr and ".venv/bin/python -m emulators" in result.stderr


def test_with_the_dependencies_the_module_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "emulators.paystand", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "--port" in result.stdout
