"""The engine's structure, as docs/architecture.md describes it: a root of a few modules, no
module over 400 lines, and no import circle — not even one hidden behind an import inside a
function, which is how circles were worked around before."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "engine"
MAX_LINES = 400


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _engine_imports(path: Path, known: set[str]) -> set[str]:
    """Engine modules ``path`` imports anywhere (top level or inside a function), except under
    ``if TYPE_CHECKING:`` (annotations only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(child) for child in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from package import module`` depends on that module, not on the package's own
            # __init__ (which Python runs first, but which may import its modules in turn).
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                names.append(submodule if submodule in known else node.module)
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith("engine"):
                found.add(name)
    return found


def _graph() -> dict[str, set[str]]:
    paths = {_module(path): path for path in ENGINE.rglob("*.py") if "migrations" not in path.parts}
    known = set(paths)
    graph = {name: _engine_imports(path, known) - {name} for name, path in paths.items()}
    for name in graph:
        graph[name].discard("engine")  # the root package only defines hookimpl
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_circle_in_the_engine() -> None:
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()) or [])


def test_the_engine_root_has_at_most_a_dozen_modules() -> None:
    assert len(list(ENGINE.glob("*.py"))) <= 12


def test_no_engine_module_is_over_400_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): lines
        for path in ENGINE.rglob("*.py")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
