"""engine/ never imports providers/, evidence_sources/ or web/; boto3 lives in one module."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("providers", "evidence_sources", "web")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_engine_imports_no_plugin_package() -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            name for name in _imports(path) if name.split(".")[0] in FORBIDDEN
        )
        for path in (ROOT / "engine").rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_boto3_is_imported_in_exactly_one_module() -> None:
    importers = sorted(
        str(path.relative_to(ROOT))
        for package in ("engine", "evidence_sources", "web")
        for path in (ROOT / package).rglob("*.py")
        if any(name.split(".")[0] in {"boto3", "botocore"} for name in _imports(path))
    )
    assert importers == ["engine/storage/s3.py"]
