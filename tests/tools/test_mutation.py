"""The mutation tester finds, applies and judges mutants: on a tiny fixture module it kills
what a boundary test catches, reports what a weak test misses, and honours the equivalents."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tools.mutation.operators import Operator, apply, find_mutants
from tools.mutation.runner import Equivalent, Target, report, run, sample

TINY = "def is_adult(age):\n    return age >= 18\n"
STRONG = (
    "from tiny import is_adult\n\n"
    "def test_the_age_of_majority_is_18():\n"
    "    assert is_adult(18) is True\n"
    "    assert is_adult(17) is False\n"
)
WEAK = "from tiny import is_adult\n\ndef test_adults():\n    assert is_adult(40)\n"


@pytest.fixture(autouse=True)
def bare_pytest(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fixture's test runs need none of the project's plugins: keeps each run well under
    a second."""
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def fixture_repo(root: Path, test: str) -> Path:
    (root / "tiny.py").write_text(TINY)
    (root / "test_tiny.py").write_text(test)
    return root


def test_every_operator_has_a_site_and_changes_the_code() -> None:
    source = "def f(a, b):\n    if a == 1 and b:\n        a += 2\n    return a\n"
    mutants = find_mutants(source)
    assert {m.operator for m in mutants} == set(Operator)
    unchanged = ast.unparse(ast.parse(source))
    mutated = [apply(source, mutant) for mutant in mutants]
    assert unchanged not in mutated
    assert len(set(mutated)) == len(mutants)  # no two operators produce the same mutant


def test_sampling_is_deterministic_for_a_seed() -> None:
    mutants = find_mutants(TINY * 3)
    assert sample(mutants, 3, seed=7) == sample(mutants, 3, seed=7)
    assert len(sample(mutants, 3, seed=7)) == 3


def test_a_boundary_test_kills_every_mutant(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path, STRONG)
    results, untested = run(
        root, [Target("tiny.py", ("test_tiny.py",))], [],
        per_module=None, seed=1, timeout=60, budget=600,
    )  # fmt: skip
    assert untested == 0
    assert results[0].survivors == []
    assert results[0].killed == len(find_mutants(TINY))
    assert (root / "tiny.py").read_text() == TINY  # the working tree is never touched


def test_a_weak_test_leaves_survivors_reported_unless_listed_equivalent(tmp_path: Path) -> None:
    root = fixture_repo(tmp_path, WEAK)
    target = [Target("tiny.py", ("test_tiny.py",))]
    listed = [Equivalent("tiny.py", "comparison", "return age > 18", "fixture")]
    results, _ = run(root, target, listed, per_module=None, seed=1, timeout=60, budget=600)
    printed = report(results, 0)
    # is_adult(40) cannot tell 18 from 17 or 19: those survive and are printed with their line
    assert "SURVIVED tiny.py:2 constant: return age >= 19" in printed
    assert "SURVIVED tiny.py:2 constant: return age >= 17" in printed
    # the one listed as equivalent is counted as such, not as a survivor
    assert "return age > 18" not in printed
    assert (results[0].equivalent, len(results[0].survivors), results[0].killed) == (1, 2, 3)
    assert "tiny.py: 60.0% killed (3 killed, 2 survived, 1 equivalent)" in printed
