"""Conditions and derived values: a small expression language over a script's answers.

Written like Python — ``work_days > 0``, ``home_days + hub_days <= work_days``,
``'wellbeing' in consents`` — and read with `ast`, but never run by Python: only the node
types below are accepted, names and types are checked when the script loads, and
evaluation is three-valued. An answer that was skipped or never asked is unknown (None),
and unknown spreads: ``None > 0`` is None, ``False and None`` is False. A `relevant`
condition holds only when True; a constraint is broken only when False.
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Literal

# What a name or a sub-expression holds: a whole number, one choice code, a set of codes
# (multiple choice), yes/no, or free text.
Kind = Literal["number", "code", "codes", "bool", "text"]
Value = bool | int | str | tuple[str, ...]

_ARITHMETIC = (ast.Add, ast.Sub, ast.Mult)
_ORDER = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_EQUALITY = (ast.Eq, ast.NotEq)
_MEMBERSHIP = (ast.In, ast.NotIn)
_SYMBOLS = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
}


class ExpressionError(ValueError):
    """An expression cannot be read, names something unknown, or mixes types."""


@dataclass(frozen=True)
class NameType:
    """What a name in an expression holds; for choice questions, the codes it can take."""

    kind: Kind
    codes: frozenset[str] = frozenset()


@cache
def parse(source: str) -> ast.expr:
    """The syntax tree of an expression (ExpressionError if it is not one we accept)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        reason = exc.msg if isinstance(exc, SyntaxError) else "too complex or not text"
        raise ExpressionError(f"cannot read {source!r}: {reason}") from None
    for node in ast.walk(tree.body):
        if isinstance(node, ast.expr) and not _allowed(node):
            raise ExpressionError(
                f"{ast.unparse(node)!r} is not allowed; use names of answers, whole numbers, "
                "'codes', + - *, comparisons, in, and, or, not"
            )
    return tree.body


def _allowed(node: ast.expr) -> bool:
    if isinstance(node, ast.BoolOp | ast.Name | ast.Tuple | ast.List):
        return True
    if isinstance(node, ast.Compare):
        return all(isinstance(op, _ORDER + _EQUALITY + _MEMBERSHIP) for op in node.ops)
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not | ast.USub)
    if isinstance(node, ast.BinOp):
        return isinstance(node.op, _ARITHMETIC)
    return isinstance(node, ast.Constant) and isinstance(node.value, bool | int | str)


def names(node: ast.expr) -> set[str]:
    """The names an expression refers to."""
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name)}


def check(source: str, types: Mapping[str, NameType], expected: tuple[Kind, ...]) -> Kind:
    """Check an expression against the names it may use; return what it computes."""
    kind = _infer(parse(source), types)
    if kind not in expected:
        wanted = " or ".join(_KIND_WORDS[k] for k in expected)
        raise ExpressionError(f"must compute {wanted}, but {source!r} gives {_KIND_WORDS[kind]}")
    return kind


_KIND_WORDS = {
    "number": "a number",
    "code": "a choice",
    "codes": "a set of choices",
    "bool": "true or false",
    "text": "text",
}


def _infer(node: ast.expr, types: Mapping[str, NameType]) -> Kind:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool):
            return "bool"
        return "number" if isinstance(node.value, int) else "text"
    if isinstance(node, ast.Name):
        return _name_type(node.id, types).kind
    if isinstance(node, ast.BoolOp):
        for operand in node.values:
            _expect(operand, types, "bool")
        return "bool"
    if isinstance(node, ast.UnaryOp):
        kind: Kind = "bool" if isinstance(node.op, ast.Not) else "number"
        _expect(node.operand, types, kind)
        return kind
    if isinstance(node, ast.BinOp):
        _expect(node.left, types, "number")
        _expect(node.right, types, "number")
        return "number"
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        for left, op, right in zip(operands, node.ops, operands[1:], strict=False):
            _check_comparison(left, op, right, types)
        return "bool"
    raise ExpressionError(f"{ast.unparse(node)!r} can only follow 'in'")


def _expect(node: ast.expr, types: Mapping[str, NameType], kind: Kind) -> None:
    found = _infer(node, types)
    if found != kind:
        raise ExpressionError(
            f"{ast.unparse(node)!r} is {_KIND_WORDS[found]} where {_KIND_WORDS[kind]} is needed"
        )


def _name_type(name: str, types: Mapping[str, NameType]) -> NameType:
    if name in types:
        return types[name]
    close = difflib.get_close_matches(name, list(types), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise ExpressionError(f"unknown name {name!r}{hint}")


def _check_comparison(
    left: ast.expr, op: ast.cmpop, right: ast.expr, types: Mapping[str, NameType]
) -> None:
    symbol = _SYMBOLS[type(op)]
    if isinstance(op, _ORDER):
        _expect(left, types, "number")
        _expect(right, types, "number")
        return
    if isinstance(op, _MEMBERSHIP):
        if isinstance(right, ast.Tuple | ast.List):
            for item in right.elts:
                if not isinstance(item, ast.Constant):
                    raise ExpressionError(f"a list after {symbol!r} holds only fixed values")
                _check_comparison(left, ast.Eq(), item, types)
            return
        if not (isinstance(right, ast.Name) and _name_type(right.id, types).kind == "codes"):
            raise ExpressionError(
                f"after {symbol!r} comes a multiple-choice answer or a list like ('a', 'b')"
            )
        _check_code_literal(left, right, types)
        return
    left_kind, right_kind = _infer(left, types), _infer(right, types)
    comparable = {left_kind, right_kind} <= {"code", "text"} or left_kind == right_kind
    if not comparable or left_kind == "codes":
        raise ExpressionError(
            f"cannot compare {ast.unparse(left)!r} ({_KIND_WORDS[left_kind]}) "
            f"{symbol} {ast.unparse(right)!r} ({_KIND_WORDS[right_kind]})"
        )
    _check_code_literal(left, right, types)
    _check_code_literal(right, left, types)


def _check_code_literal(literal: ast.expr, name: ast.expr, types: Mapping[str, NameType]) -> None:
    """A 'code' compared with a choice answer must be one of that question's codes."""
    if not (isinstance(literal, ast.Constant) and isinstance(name, ast.Name)):
        return
    name_type = _name_type(name.id, types)
    if name_type.kind not in ("code", "codes"):
        return
    if literal.value not in name_type.codes:
        codes = ", ".join(sorted(name_type.codes))
        raise ExpressionError(f"{name.id!r} has no choice {literal.value!r} (its choices: {codes})")


def evaluate(source: str, values: Mapping[str, Value | None]) -> Value | None:
    """The value of a checked expression; None when an answer it needs is unknown."""
    return _evaluate(parse(source), values)


def _evaluate(node: ast.expr, values: Mapping[str, Value | None]) -> Value | None:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, ast.BoolOp):
        return _combine(
            [_evaluate(operand, values) for operand in node.values],
            decisive=not isinstance(node.op, ast.And),
        )
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, values)
        if operand is None:
            return None
        return (not operand) if isinstance(node.op, ast.Not) else -operand
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        return left - right if isinstance(node.op, ast.Sub) else left * right
    if isinstance(node, ast.Compare):
        operands = [node.left, *node.comparators]
        results = [
            _compare(_evaluate(left, values), op, _evaluate(right, values))
            for left, op, right in zip(operands, node.ops, operands[1:], strict=False)
        ]
        return _combine(results, decisive=False)
    # A list of codes after `in`.
    return tuple(item.value for item in node.elts)


def _combine(results: list[Value | None], *, decisive: bool) -> bool | None:
    """`and` (decisive False) or `or` (decisive True) in three-valued logic."""
    if decisive in results:
        return decisive
    return None if None in results else not decisive


def _compare(left: Value | None, op: ast.cmpop, right: Value | None) -> bool | None:
    if left is None or right is None:
        return None
    if isinstance(op, ast.Eq):
        return left == right
    if isinstance(op, ast.NotEq):
        return left != right
    if isinstance(op, ast.In):
        return left in right
    if isinstance(op, ast.NotIn):
        return left not in right
    if isinstance(op, ast.Lt):
        return left < right
    if isinstance(op, ast.LtE):
        return left <= right
    return left > right if isinstance(op, ast.Gt) else left >= right
