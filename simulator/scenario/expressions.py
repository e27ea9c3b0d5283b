"""A small, safe arithmetic language for scenario files (no `eval`).

An expression is parsed with `ast`, checked against a whitelist of node types, and compiled into
a tree of closures, so evaluating it per message costs a few function calls. Names are checked
when the scenario loads; functions come from a fixed table (plus the device's own random draws).
Numbers only take part in arithmetic, strings only in `+` and comparisons, and `**` is done in
floating point, so no expression can allocate or compute without bound.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Env = Mapping[str, Any]
Node = Callable[[Env], Any]


class ExpressionError(ValueError):
    """An expression does not parse, uses something not allowed, or fails to evaluate."""


def _clamp(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


#: Pure functions every expression may call. Random draws (`random`, `uniform`, `gauss`, `noise`)
#: are bound per device and passed in the environment under RANDOM_FUNCTIONS.
FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "min": min,
    "max": max,
    "round": round,
    "int": int,
    "float": float,
    "bool": bool,
    "str": str,
    "len": len,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "log10": math.log10,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "floor": math.floor,
    "ceil": math.ceil,
    "clamp": _clamp,
}
RANDOM_FUNCTIONS = ("random", "uniform", "gauss", "noise", "chance")
CONSTANTS = {"pi": math.pi, "e": math.e, "true": True, "false": False}

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: lambda a, b: float(a) ** float(b),
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float)


def _binary(op: type, left: Node, right: Node) -> Node:
    fn = _BINARY[op]
    strings_ok = op is ast.Add

    def run(env: Env) -> Any:
        a, b = left(env), right(env)
        if not (_is_number(a) and _is_number(b)) and not (strings_ok and isinstance(a, str) and isinstance(b, str)):
            raise ExpressionError(f"cannot apply {op.__name__} to {type(a).__name__} and {type(b).__name__}")
        try:
            return fn(a, b)
        except (ArithmeticError, ValueError) as error:
            raise ExpressionError(str(error)) from None

    return run


@dataclass(frozen=True)
class Expression:
    """A compiled expression; `names` are the free names it reads (for dependency ordering)."""

    source: str
    names: frozenset[str]
    _run: Node

    def evaluate(self, env: Env) -> Any:
        try:
            return self._run(env)
        except ExpressionError:
            raise
        except (ArithmeticError, TypeError, ValueError, KeyError, IndexError) as error:
            raise ExpressionError(f"{self.source!r}: {error}") from None


class _Compiler:
    def __init__(self, allowed: frozenset[str] | None) -> None:
        self.allowed = allowed
        self.names: set[str] = set()

    def compile(self, node: ast.AST) -> Node:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")
        result: Node = method(node)
        return result

    def _Expression(self, node: ast.Expression) -> Node:
        return self.compile(node.body)

    def _Constant(self, node: ast.Constant) -> Node:
        value = node.value
        if not isinstance(value, int | float | str | bool) and value is not None:
            raise ExpressionError(f"constant {value!r} is not allowed")
        return lambda env: value

    def _Name(self, node: ast.Name) -> Node:
        name = node.id
        if name in CONSTANTS:
            constant = CONSTANTS[name]
            return lambda env: constant
        if self.allowed is not None and name not in self.allowed:
            raise ExpressionError(f"unknown name {name!r}")
        self.names.add(name)

        def run(env: Env) -> Any:
            try:
                return env[name]
            except KeyError:
                raise ExpressionError(f"{name!r} has no value yet") from None

        return run

    def _Attribute(self, node: ast.Attribute) -> Node:
        """`payload.level`: attribute access is item access on mappings only."""
        inner, attr = self.compile(node.value), node.attr
        if attr.startswith("_"):
            raise ExpressionError(f"attribute {attr!r} is not allowed")

        def run(env: Env) -> Any:
            target = inner(env)
            if not isinstance(target, Mapping):
                raise ExpressionError(f"cannot read .{attr} of a {type(target).__name__}")
            try:
                return target[attr]
            except KeyError:
                raise ExpressionError(f"no field {attr!r}") from None

        return run

    def _Subscript(self, node: ast.Subscript) -> Node:
        inner, index = self.compile(node.value), self.compile(node.slice)

        def run(env: Env) -> Any:
            target, key = inner(env), index(env)
            if not isinstance(target, Mapping | list | tuple | str):
                raise ExpressionError(f"cannot index a {type(target).__name__}")
            try:
                return target[key]
            except (KeyError, IndexError, TypeError):
                raise ExpressionError(f"no item {key!r}") from None

        return run

    def _BinOp(self, node: ast.BinOp) -> Node:
        if type(node.op) not in _BINARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        return _binary(type(node.op), self.compile(node.left), self.compile(node.right))

    def _UnaryOp(self, node: ast.UnaryOp) -> Node:
        if type(node.op) not in _UNARY:
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
        fn, operand = _UNARY[type(node.op)], self.compile(node.operand)
        numeric = not isinstance(node.op, ast.Not)

        def run(env: Env) -> Any:
            value = operand(env)
            if numeric and not _is_number(value):
                raise ExpressionError(f"cannot negate a {type(value).__name__}")
            return fn(value)

        return run

    def _BoolOp(self, node: ast.BoolOp) -> Node:
        parts = [self.compile(v) for v in node.values]
        if isinstance(node.op, ast.And):

            def run_and(env: Env) -> Any:
                value: Any = True
                for part in parts:
                    value = part(env)
                    if not value:
                        return value
                return value

            return run_and

        def run_or(env: Env) -> Any:
            value: Any = False
            for part in parts:
                value = part(env)
                if value:
                    return value
            return value

        return run_or

    def _Compare(self, node: ast.Compare) -> Node:
        for op in node.ops:
            if type(op) not in _COMPARE:
                raise ExpressionError(f"comparison {type(op).__name__} is not allowed")
        first = self.compile(node.left)
        rest = [(_COMPARE[type(op)], self.compile(c)) for op, c in zip(node.ops, node.comparators, strict=True)]

        def run(env: Env) -> bool:
            left = first(env)
            for fn, comparator in rest:
                right = comparator(env)
                if not fn(left, right):
                    return False
                left = right
            return True

        return run

    def _IfExp(self, node: ast.IfExp) -> Node:
        test, body, orelse = self.compile(node.test), self.compile(node.body), self.compile(node.orelse)
        return lambda env: body(env) if test(env) else orelse(env)

    def _List(self, node: ast.List) -> Node:
        return self._sequence(node.elts)

    def _Tuple(self, node: ast.Tuple) -> Node:
        return self._sequence(node.elts)

    def _sequence(self, elements: Iterable[ast.expr]) -> Node:
        parts = [self.compile(e) for e in elements]
        return lambda env: [p(env) for p in parts]

    def _Call(self, node: ast.Call) -> Node:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise ExpressionError("only plain calls of known functions are allowed, e.g. round(x, 1)")
        name = node.func.id
        args = [self.compile(a) for a in node.args]
        if name in RANDOM_FUNCTIONS:
            self.names.add(name)

            def run_random(env: Env) -> Any:
                return env[name](*(a(env) for a in args))

            return run_random
        fn = FUNCTIONS.get(name)
        if fn is None:
            known = ", ".join(sorted([*FUNCTIONS, *RANDOM_FUNCTIONS]))
            raise ExpressionError(f"unknown function {name!r}; known: {known}")

        def run(env: Env) -> Any:
            values = [a(env) for a in args]
            if name == "str" or name == "len":
                return fn(*values)
            if any(isinstance(v, str) for v in values) and name not in ("int", "float", "bool"):
                raise ExpressionError(f"{name}() takes numbers")
            try:
                return fn(*values)
            except (ArithmeticError, ValueError, TypeError) as error:
                raise ExpressionError(f"{name}(): {error}") from None

        return run


def compile_expression(source: str, allowed: Iterable[str] | None = None) -> Expression:
    """Parse and check `source`; names outside `allowed` (when given) are refused at once."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("an expression must be a non-empty string")
    if len(source) > 2000:
        raise ExpressionError("expression too long (2000 characters at most)")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"syntax error in {source!r}: {error.msg}") from None
    compiler = _Compiler(frozenset(allowed) if allowed is not None else None)
    run = compiler.compile(tree)
    return Expression(source, frozenset(compiler.names), run)


def random_functions(rng: Any) -> dict[str, Callable[..., Any]]:
    """The device-bound random draws an expression may call (rng: a `random.Random`)."""
    return {
        "random": rng.random,
        "uniform": rng.uniform,
        "gauss": rng.gauss,
        "noise": lambda sigma=1.0: rng.gauss(0.0, sigma),
        "chance": lambda p: rng.random() < p,
    }
