"""Run mutants of named modules against their tests in an overlay copy of the repository.

Each mutant is written into a throw-away copy (the working tree is never touched), then the
module's own tests run first (fast, usually kill it) and the wider set only if it survived.
A test run past its timeout counts as a kill (the mutant looped); the total budget stops the
run early and the report says how many mutants went untested."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tools.mutation.operators import Mutant, apply, describe, find_mutants

_IGNORED = shutil.ignore_patterns(
    ".venv", ".git", "__pycache__", "test-artifacts", ".mypy_cache", ".ruff_cache", "*.db"
)


@dataclass(frozen=True)
class Target:
    module: str
    """Path of the module, relative to the repository root."""
    tests: tuple[str, ...]
    """The module's mirrored tests: run first."""
    wider: tuple[str, ...] = ()
    """Run only for mutants the mirrored tests let live."""


@dataclass(frozen=True)
class Equivalent:
    module: str
    operator: str
    mutated: str
    reason: str


@dataclass
class ModuleResult:
    module: str
    killed: int = 0
    equivalent: int = 0
    survivors: list[tuple[Mutant, str]] = field(default_factory=list)

    @property
    def tested(self) -> int:
        return self.killed + self.equivalent + len(self.survivors)

    @property
    def score(self) -> float:
        judged = self.tested - self.equivalent
        return 100.0 * self.killed / judged if judged else 100.0


def load_config(path: Path) -> tuple[list[Target], list[Equivalent]]:
    data = tomllib.loads(path.read_text())
    targets = [
        Target(item["module"], tuple(item["tests"]), tuple(item.get("wider", ())))
        for item in data.get("target", [])
    ]
    equivalents = [
        Equivalent(item["module"], item["operator"], item["mutated"].strip(), item["reason"])
        for item in data.get("equivalent", [])
    ]
    for equivalent in equivalents:
        if not equivalent.reason.strip():
            raise ValueError(f"equivalent mutant without a reason: {equivalent}")
    return targets, equivalents


def sample(mutants: Sequence[Mutant], count: int | None, seed: int) -> list[Mutant]:
    """A deterministic sample (same seed, same source: same mutants), kept in source order."""
    if count is None or count >= len(mutants):
        return list(mutants)
    chosen = random.Random(seed).sample(range(len(mutants)), count)
    return [mutants[index] for index in sorted(chosen)]


@contextmanager
def overlay(root: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="mutate-") as scratch:
        copy = Path(scratch) / "repo"
        shutil.copytree(root, copy, ignore=_IGNORED, symlinks=True)
        yield copy


def tests_pass(copy: Path, tests: Sequence[str], timeout: float) -> bool:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(copy)}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly"]
    command += ["-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(
            command, cwd=copy, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def run(
    root: Path,
    targets: Sequence[Target],
    equivalents: Sequence[Equivalent],
    *,
    per_module: int | None,
    seed: int,
    timeout: float,
    budget: float,
    clock: Callable[[], float] = time.monotonic,
    progress: Callable[[str], None] = lambda line: None,
) -> tuple[list[ModuleResult], int]:
    """Results per module, and how many sampled mutants the budget left untested."""
    deadline = clock() + budget
    results: list[ModuleResult] = []
    untested = 0
    with overlay(root) as copy:
        for target in targets:
            result = ModuleResult(target.module)
            results.append(result)
            path = copy / target.module
            original = path.read_text()
            if not tests_pass(copy, [*target.tests, *target.wider], timeout * 4):
                raise RuntimeError(f"the tests of {target.module} fail without any mutant")
            known = {(e.operator, e.mutated) for e in equivalents if e.module == target.module}
            for mutant in sample(find_mutants(original), per_module, seed):
                if clock() > deadline:
                    untested += 1
                    continue
                line = describe(original, mutant)
                if (mutant.operator.value, line) in known:
                    result.equivalent += 1
                    continue
                path.write_text(apply(original, mutant))
                try:
                    survived = tests_pass(copy, target.tests, timeout) and (
                        not target.wider or tests_pass(copy, target.wider, timeout)
                    )
                finally:
                    path.write_text(original)
                if survived:
                    result.survivors.append((mutant, line))
                else:
                    result.killed += 1
                verdict = "SURVIVED" if survived else "killed"
                progress(f"{target.module}:{mutant.line} {mutant.operator.value} {verdict}")
    return results, untested


def report(results: Sequence[ModuleResult], untested: int) -> str:
    lines = []
    for result in results:
        lines.append(
            f"{result.module}: {result.score:.1f}% killed "
            f"({result.killed} killed, {len(result.survivors)} survived, "
            f"{result.equivalent} equivalent)"
        )
    killed = sum(r.killed for r in results)
    judged = sum(r.tested - r.equivalent for r in results)
    total = 100.0 * killed / judged if judged else 100.0
    lines.append(f"TOTAL: {total:.1f}% killed ({killed}/{judged}); untested (budget): {untested}")
    for result in results:
        for mutant, line in result.survivors:
            lines.append(f"SURVIVED {result.module}:{mutant.line} {mutant.operator.value}: {line}")
    return "\n".join(lines)
