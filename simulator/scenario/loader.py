"""Read a scenario TOML file into `schema.Scenario`, refusing unknown keys and bad values.

Every problem names the file, the key path and (where the scanner finds it) the line; all
problems of a file are reported at once. Values are converted by the dataclasses' type hints;
cross-references (fleets -> device types, expressions -> names ...) are checked in checks.py.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

from simulator.scenario import schema
from simulator.scenario.expressions import ExpressionError, compile_expression
from simulator.scenario.toml_lines import KeyPath, key_lines, line_of
from simulator.scenario.units import parse_duration, parse_rate


@dataclass(frozen=True)
class Problem:
    file: str
    path: KeyPath
    message: str
    line: int | None = None

    @property
    def key(self) -> str:
        return format_path(self.path)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key or '(top level)'}: {self.message}"


class ScenarioError(ValueError):
    """A scenario file that cannot be used; `problems` lists every issue found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class Builder:
    """Convert plain TOML values into the schema dataclasses, collecting problems by key path."""

    def __init__(self) -> None:
        self.problems: list[tuple[KeyPath, str]] = []

    def fail(self, path: KeyPath, message: str) -> None:
        self.problems.append((path, message))

    def build(self, cls: type, data: Any, path: KeyPath) -> Any:
        if not isinstance(data, dict):
            self.fail(path, f"must be a table, not {_describe(data)}")
            return None
        hints = typing.get_type_hints(cls, include_extras=True)
        kwargs: dict[str, Any] = {}
        known: set[str] = set()
        ok = True
        for f in dataclasses.fields(cls):
            if not f.init or f.metadata.get("toml") is False:
                continue
            key = f.metadata.get("key", f.name)
            known.add(key)
            if key not in data:
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                    self.fail((*path, key), "is required")
                    ok = False
                continue
            before = len(self.problems)
            value = self.convert(hints[f.name], data[key], (*path, key))
            if len(self.problems) > before:
                ok = False
            kwargs[f.name] = value
        for key in data:
            if key not in known:  # reported, but the rest of the table is still checked
                self.fail((*path, key), f"unknown key (expected one of: {', '.join(sorted(known))})")
        if not ok:
            return None
        try:
            return cls(**kwargs)
        except (ValueError, TypeError) as error:
            self.fail(path, str(error))
            return None

    def convert(self, tp: Any, value: Any, path: KeyPath) -> Any:
        origin, args = typing.get_origin(tp), typing.get_args(tp)
        if origin is typing.Annotated:
            return self._annotated(args[0], args[1], value, path)
        if origin in (Union, types.UnionType):
            return self._union([a for a in args if a is not type(None)], value, path)
        if tp is Any:
            return value
        if origin is typing.Literal:
            if value not in args:
                self.fail(path, f"must be one of {', '.join(repr(a) for a in args)}, not {value!r}")
            return value
        if origin in (tuple, list):
            if not isinstance(value, list):
                self.fail(path, f"must be an array, not {_describe(value)}")
                return ()
            return tuple(self.convert(args[0], item, (*path, i)) for i, item in enumerate(value))
        if origin is dict:
            return self._table(args[0], args[1], value, path)
        if tp is schema.GeneratorSpec:
            return self.generator(value, path)
        if dataclasses.is_dataclass(tp):
            return self.build(tp, value, path)  # type: ignore[arg-type]
        return self._scalar(tp, value, path)

    def _scalar(self, tp: Any, value: Any, path: KeyPath) -> Any:
        if tp is bool:
            good = isinstance(value, bool)
        elif tp is int:
            good = isinstance(value, int) and not isinstance(value, bool)
        elif tp is float:  # an integer stays one, so generators given integers report integers
            good = isinstance(value, int | float) and not isinstance(value, bool)
        else:
            good = isinstance(value, tp)
        if not good:
            self.fail(path, f"must be {_TYPE_NAMES.get(tp, getattr(tp, '__name__', str(tp)))}, not {_describe(value)}")
        return value

    def _union(self, options: list[Any], value: Any, path: KeyPath) -> Any:
        if len(options) == 1:
            return self.convert(options[0], value, path)
        for option in options:  # e.g. bool | Expr: first the one whose base type matches
            base = typing.get_args(option)[0] if typing.get_origin(option) is typing.Annotated else option
            if isinstance(base, type) and isinstance(value, base):
                return self.convert(option, value, path)
        names = " or ".join(_TYPE_NAMES.get(o, "an expression") for o in options)
        self.fail(path, f"must be {names}, not {_describe(value)}")
        return None

    def _table(self, key_type: Any, value_type: Any, value: Any, path: KeyPath) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"must be a table, not {_describe(value)}")
            return {}
        allowed = typing.get_args(key_type) if typing.get_origin(key_type) is typing.Literal else None
        result = {}
        for key, item in value.items():
            if allowed is not None and key not in allowed:
                self.fail((*path, key), f"unknown key (expected one of: {', '.join(allowed)})")
                continue
            result[key] = self.convert(value_type, item, (*path, key))
        return result

    def _annotated(self, base: Any, marker: str, value: Any, path: KeyPath) -> Any:
        readers: dict[str, Callable[[Any], Any]] = {
            schema.DURATION: parse_duration,
            schema.RATE: parse_rate,
            schema.EXPRESSION: _expression,
            schema.TEMPLATE: _template,
            schema.VALUES: _values,
        }
        try:
            return readers[marker](value)
        except (ValueError, TypeError) as error:
            self.fail(path, str(error))
            return base() if isinstance(base, type) else None

    def generator(self, value: Any, path: KeyPath) -> schema.GeneratorSpec | None:
        """`{generator = "walk", ...}`, or a bare value meaning `fixed`."""
        if not isinstance(value, dict):
            return schema.FixedSpec(value=value)
        kind = value.get("generator")
        cls = schema.GENERATORS.get(kind) if isinstance(kind, str) else None
        if cls is None:
            self.fail((*path, "generator"), f"must be one of {', '.join(schema.GENERATORS)}, not {kind!r}")
            return None
        built: schema.GeneratorSpec | None = self.build(cls, {k: v for k, v in value.items() if k != "generator"}, path)
        return built


_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a string ({value!r})"
    return type(value).__name__


def _expression(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be an expression string, not {_describe(value)}")
    try:
        compile_expression(value)
    except ExpressionError as error:
        raise ValueError(str(error)) from None
    return value


def _template(value: Any) -> str:
    from simulator.scenario.templates import check_template

    if not isinstance(value, str):
        raise ValueError(f"must be a template string, not {_describe(value)}")
    check_template(value)
    return value


def _values(value: Any) -> dict[str, Any]:
    """A table whose string values starting with '=' are expressions (checked for syntax here)."""
    if not isinstance(value, dict):
        raise ValueError(f"must be a table, not {_describe(value)}")
    for item in value.values():
        if isinstance(item, str) and item.startswith("="):
            _expression(item[1:])
    return value


def loads(text: str, file: str = "<scenario>", path: Path | None = None) -> schema.Scenario:
    """Parse scenario text; `path` (the file, if any) is what relative CSV references resolve against."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"at line (\d+)", str(error))
        line = int(found.group(1)) if found else None
        raise ScenarioError([Problem(file, (), f"not valid TOML: {error}", line)]) from None
    builder = Builder()
    scenario: schema.Scenario | None = builder.build(schema.Scenario, data, ())
    problems = list(builder.problems)
    if scenario is not None:
        from simulator.scenario.checks import check_scenario

        scenario = dataclasses.replace(scenario, path=path)
        problems += check_scenario(scenario)
    if problems:
        lines = key_lines(text)
        raise ScenarioError([Problem(file, where, message, line_of(lines, where)) for where, message in problems])
    assert scenario is not None
    return scenario


def load_scenario(path: str | Path) -> schema.Scenario:
    """Load and check a scenario file; raises ScenarioError naming the file, the key and the line."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        raise ScenarioError([Problem(str(path), (), f"cannot read: {error.strerror or error}")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), (), "not UTF-8 text")]) from None
    return loads(text, str(path), file.resolve())
