"""The stripe SDK is imported in exactly one module of the provider, and nowhere in the
emulator (which must stay an independent yardstick)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def modules_importing_stripe(package: Path) -> set[str]:
    found = set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(name == "stripe" or name.startswith("stripe.") for name in names):
                found.add(path.relative_to(ROOT).as_posix())
    return found


def test_only_stripe_api_imports_the_sdk() -> None:
    assert modules_importing_stripe(ROOT / "providers" / "stripe") == {
        "providers/stripe/stripe_api.py"
    }


def test_the_emulator_does_not_use_the_sdk_it_tests() -> None:
    assert modules_importing_stripe(ROOT / "emulators" / "stripe") == set()
