"""The deployment files, checked without a Docker engine: compose.yaml's services, their
health checks and every setting they pass; the Dockerfile's user and HEALTHCHECK; the systemd
units with ``systemd-analyze verify``."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from engine.settings import load_settings
from engine.testing import unavailable

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def compose() -> dict[str, Any]:
    document = yaml.safe_load((ROOT / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def interpolated(value: str) -> str:
    """Compose's ``${NAME:?message}`` / ``${NAME:-default}`` with a stand-in value."""
    return re.sub(r"\$\{([A-Z_]+)(:[?-][^}]*)?\}", lambda m: f"{m.group(1).lower()}-value", value)


def test_compose_runs_engine_worker_postgres_and_minio_with_health_checks() -> None:
    services = compose()["services"]
    assert {"engine", "worker", "postgres", "minio", "minio-bucket"} <= set(services)
    for name in ("engine", "postgres", "minio"):
        assert services[name]["healthcheck"]["test"], name
    assert any("/readyz" in part for part in services["engine"]["healthcheck"]["test"])
    assert services["worker"]["command"] == ["disputes", "worker"]
    assert services["worker"]["depends_on"]["engine"] == {"condition": "service_healthy"}
    bucket = services["minio-bucket"]["command"][0]
    assert "mc mb --ignore-existing local/disputes" in bucket


def test_every_disputes_setting_in_compose_is_documented_and_loads(tmp_path: Path) -> None:
    environment = compose()["services"]["engine"]["environment"]
    names = [name for name in environment if name.startswith("DISPUTES_")]
    assert names
    for name in names:
        assert f"`{name}`" in README, f"{name} is not a documented setting"
    values = {name: interpolated(str(environment[name])) for name in names}
    values["DISPUTES_PUBLIC_URL"] = "https://disputes.example.com"
    values["DISPUTES_DASHBOARD_KEY"] = "k" * 32
    values["DISPUTES_SECRET_KEY"] = "s" * 48
    values["DISPUTES_TRUSTED_PROXIES"] = "127.0.0.1"
    values["DISPUTES_DATA_DIR"] = str(tmp_path)
    settings = load_settings(values, cwd=tmp_path)
    assert settings.database_url.startswith("postgresql+psycopg://disputes:")
    assert settings.storage_url == "s3://disputes/evidence"
    # The storage bucket compose creates is the one the engine is told to use.
    assert "local/disputes" in compose()["services"]["minio-bucket"]["command"][0]


def test_dockerfile_runs_as_a_non_root_user_and_checks_readiness() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("FROM ") == 2  # multi-stage: build, then a slim runtime
    assert "slim" in dockerfile.split("FROM ")[-1].splitlines()[0]
    assert re.search(r"^USER disputes$", dockerfile, re.MULTILINE)
    assert "HEALTHCHECK" in dockerfile and "/readyz" in dockerfile
    assert "libpango-1.0-0" in dockerfile


@pytest.mark.parametrize("unit", ["disputes-serve.service", "disputes-worker.service"])
def test_systemd_units_verify(unit: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        unavailable("systemd-analyze is not installed")
    # verify checks that ExecStart exists: point it at this checkout's disputes command.
    disputes = Path(shutil.which("disputes") or ROOT / ".venv/bin/disputes")
    text = (ROOT / "deploy/systemd" / unit).read_text()
    assert "ExecStart=/opt/disputes/bin/disputes " in text
    copy = tmp_path / unit
    copy.write_text(text.replace("/opt/disputes/bin/disputes", str(disputes)))
    result = subprocess.run(
        [analyze, "verify", str(copy)], capture_output=True, text=True, check=False, timeout=60
    )
    # Only findings about this unit count; the host's own units are not ours to judge.
    findings = [line for line in result.stderr.splitlines() if unit in line]
    assert findings == [], result.stderr
