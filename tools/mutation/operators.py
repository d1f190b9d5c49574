"""Where a module can be mutated, and how: AST operators applied to a fresh parse.

A mutant is named by the position of its node in ``ast.walk`` order (deterministic for a given
source), so it can be listed once and applied later without keeping trees around."""

from __future__ import annotations

import ast
import enum
from collections.abc import Iterator
from dataclasses import dataclass


class Operator(enum.StrEnum):
    COMPARISON = "comparison"
    NEGATE = "negate-condition"
    CONSTANT = "constant"
    REMOVE = "remove-statement"
    BOOLEAN = "and-or"
    RETURN = "drop-return-value"


# Each comparison's boundary shift and negation: both are mistakes a person makes.
_COMPARISONS: dict[type[ast.cmpop], tuple[type[ast.cmpop], ...]] = {
    ast.Eq: (ast.NotEq,),
    ast.NotEq: (ast.Eq,),
    ast.Lt: (ast.LtE, ast.GtE),
    ast.LtE: (ast.Lt, ast.Gt),
    ast.Gt: (ast.GtE, ast.LtE),
    ast.GtE: (ast.Gt, ast.Lt),
    ast.Is: (ast.IsNot,),
    ast.IsNot: (ast.Is,),
    ast.In: (ast.NotIn,),
    ast.NotIn: (ast.In,),
}
_REMOVABLE = (ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Raise, ast.If, ast.Return)


@dataclass(frozen=True)
class Mutant:
    node_index: int
    operator: Operator
    variant: int
    line: int

    @property
    def key(self) -> tuple[int, str, int]:
        return (self.node_index, self.operator.value, self.variant)


def _is_docstring(node: ast.AST) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)


def _function_bodies(tree: ast.AST) -> set[int]:
    """ids of statements directly inside a function (module-level code is set-up, not logic)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(node):
                if child is not node and isinstance(child, ast.stmt):
                    inside.add(id(child))
    return inside


def _sites(node: ast.AST, in_function: bool) -> Iterator[tuple[Operator, int]]:
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        for variant, _ in enumerate(_COMPARISONS.get(type(node.ops[0]), ())):
            yield Operator.COMPARISON, variant
    if isinstance(node, ast.If | ast.While | ast.IfExp):
        yield Operator.NEGATE, 0
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, int)
        and not isinstance(node.value, bool)
    ):
        yield Operator.CONSTANT, 0
        yield Operator.CONSTANT, 1
    if isinstance(node, ast.BoolOp):
        yield Operator.BOOLEAN, 0
    if not in_function:
        return
    returns_none = isinstance(node, ast.Return) and (
        node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)
    )
    if isinstance(node, ast.Return) and not returns_none:
        yield Operator.RETURN, 0
    if isinstance(node, _REMOVABLE) and not _is_docstring(node):
        yield Operator.REMOVE, 0


def find_mutants(source: str) -> list[Mutant]:
    tree = ast.parse(source)
    inside = _function_bodies(tree)
    mutants = []
    for index, node in enumerate(ast.walk(tree)):
        in_function = id(node) in inside
        for operator, variant in _sites(node, in_function):
            line = getattr(node, "lineno", 0)
            mutants.append(Mutant(index, operator, variant, line))
    return mutants


def _mutate(node: ast.AST, mutant: Mutant) -> ast.AST:
    """The replacement for ``node`` (may be ``node`` itself, changed in place)."""
    match mutant.operator:
        case Operator.COMPARISON:
            assert isinstance(node, ast.Compare)
            node.ops = [_COMPARISONS[type(node.ops[0])][mutant.variant]()]
        case Operator.NEGATE:
            assert isinstance(node, ast.If | ast.While | ast.IfExp)
            node.test = ast.UnaryOp(op=ast.Not(), operand=node.test)
        case Operator.CONSTANT:
            assert isinstance(node, ast.Constant)
            assert isinstance(node.value, int)
            node.value = node.value + (1 if mutant.variant == 0 else -1)
        case Operator.BOOLEAN:
            assert isinstance(node, ast.BoolOp)
            node.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        case Operator.RETURN:
            assert isinstance(node, ast.Return)
            node.value = None
        case Operator.REMOVE:
            return ast.Pass()
    return node


class _Replace(ast.NodeTransformer):
    def __init__(self, target: ast.AST, mutant: Mutant) -> None:
        self.target, self.mutant = target, mutant

    def generic_visit(self, node: ast.AST) -> ast.AST:
        if node is self.target:
            return _mutate(node, self.mutant)
        return super().generic_visit(node)


def apply(source: str, mutant: Mutant) -> str:
    """``source`` with ``mutant`` applied (formatting and comments are not kept)."""
    tree = ast.parse(source)
    target = next(node for index, node in enumerate(ast.walk(tree)) if index == mutant.node_index)
    mutated = _Replace(target, mutant).visit(tree)
    return ast.unparse(ast.fix_missing_locations(mutated))


def describe(source: str, mutant: Mutant) -> str:
    """The mutated line, as it reads after the change (for the survivors' list)."""
    mutated = apply(source, mutant)
    original_lines = set(ast.unparse(ast.parse(source)).splitlines())
    changed = [line.strip() for line in mutated.splitlines() if line not in original_lines]
    line = changed[0] if changed else "(statement removed)"
    if mutant.operator is Operator.REMOVE:
        # "pass" alone would name every removal alike: say which statement went.
        removed = source.splitlines()[mutant.line - 1].strip()
        return f"pass  # removed: {removed}"
    return line
