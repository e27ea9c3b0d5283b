"""Decode a snapshot document from outside, checking every value against the state classes' types.

`decode` (snapshot.py) trusts our own files; a document a user PUTs may be anything. This
decoder walks the document and the dataclasses' type hints together and refuses the first value
that does not fit, naming its JSON path: a wrong type, a missing or unknown field, an unknown or
foreign class, nesting deeper than `MAX_DEPTH`. Nothing is built half: the caller receives a whole
new world or a `SnapshotRefused`.
"""

from __future__ import annotations

import base64
import binascii
import collections.abc
import dataclasses
import types
import typing
from collections import deque
from datetime import datetime
from functools import cache
from typing import Any

from simulator.core.clock import parse_time
from simulator.core.snapshot import build, resolve_class

#: Deepest nesting a snapshot document may have (the world's own structure takes ~12 levels,
#: stored JSON values are limited to 64 at the edge: see simulator/api/clean_input.py).
MAX_DEPTH = 100


class SnapshotRefused(ValueError):
    """A snapshot document that cannot become a world; `path` is the JSON path of the culprit."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path, self.message = path, message


@cache
def _hints(cls: type) -> dict[str, Any]:
    """Field name -> type hint; a hint that cannot be resolved (TYPE_CHECKING imports) checks nothing."""
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError):
        found: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            try:
                found[field.name] = typing.get_type_hints(
                    type("_", (), {"__annotations__": {"x": field.type}, "__module__": cls.__module__})
                )["x"]
            except (NameError, TypeError):
                found[field.name] = Any
        return found


@cache
def _required(cls: type) -> frozenset[str]:
    return frozenset(
        f.name
        for f in dataclasses.fields(cls)
        if f.init and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _tagged(value: Any, tag: str, path: str) -> Any:
    if not isinstance(value, dict) or tag not in value:
        raise SnapshotRefused(path, f"expected an object with {tag!r}, found {_kind(value)}")
    extra = set(value) - {tag, "maxlen"} if tag == "__deque__" else set(value) - {tag}
    if extra:
        raise SnapshotRefused(f"{path}.{sorted(extra)[0]}", "unknown field")
    return value[tag]


def decode_checked(value: Any, hint: Any, path: str = "$", depth: int = 0) -> Any:
    """`value` decoded as `hint` says, or SnapshotRefused naming where it does not fit."""
    if depth > MAX_DEPTH:
        raise SnapshotRefused(path, f"nested deeper than {MAX_DEPTH} levels")
    depth += 1
    if hint is Any or hint is object:
        return _any(value, path, depth)
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        failures = []
        for option in options:
            if option is type(None):
                continue
            try:
                return decode_checked(value, option, path, depth)
            except SnapshotRefused as refused:
                failures.append(refused)
        raise max(failures, key=lambda r: len(r.path))  # the deepest complaint says the most
    if origin is typing.Literal:
        if value not in typing.get_args(hint):
            raise SnapshotRefused(path, f"must be one of {list(typing.get_args(hint))}")
        return value
    if origin is typing.ClassVar or hint is type(None):
        if value is not None:
            raise SnapshotRefused(path, f"expected null, found {_kind(value)}")
        return None
    if origin is not None:
        return _generic(value, origin, typing.get_args(hint), path, depth)
    if isinstance(hint, type):
        return _plain(value, hint, path, depth)
    return _any(value, path, depth)  # TypeVars, Callables, NewTypes: nothing more to check


def _plain(value: Any, hint: type, path: str, depth: int) -> Any:
    if hint is bool:
        if type(value) is not bool:
            raise SnapshotRefused(path, f"expected a boolean, found {_kind(value)}")
        return value
    if hint is int:
        if type(value) is not int:
            raise SnapshotRefused(path, f"expected an integer, found {_kind(value)}")
        return value
    if hint is float:
        if type(value) not in (int, float):
            raise SnapshotRefused(path, f"expected a number, found {_kind(value)}")
        return float(value)
    if hint is str or (issubclass(hint, str)):
        if type(value) is not str:
            raise SnapshotRefused(path, f"expected a string, found {_kind(value)}")
        return hint(value) if hint is not str else value
    if hint is datetime:
        text = _tagged(value, "__dt__", path)
        try:
            return parse_time(text)
        except (ValueError, TypeError, AttributeError):
            raise SnapshotRefused(f"{path}.__dt__", "not an RFC 3339 time") from None
    if hint is bytes:
        text = _tagged(value, "__b64__", path)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise SnapshotRefused(f"{path}.__b64__", "not base64") from None
    if dataclasses.is_dataclass(hint):
        return _dataclass(value, hint, path, depth)
    if hint in (dict, list, tuple, set, frozenset, deque):
        return _generic(value, hint, (), path, depth)
    return _any(value, path, depth)


def _dataclass(value: Any, hint: type, path: str, depth: int) -> Any:
    tag = _tagged(
        {k: v for k, v in value.items() if k == "__dc__"} if isinstance(value, dict) else value, "__dc__", path
    )
    if set(value) - {"__dc__", "fields"}:
        raise SnapshotRefused(f"{path}.{sorted(set(value) - {'__dc__', 'fields'})[0]}", "unknown field")
    if not isinstance(tag, str):
        raise SnapshotRefused(f"{path}.__dc__", "expected a class name")
    try:
        cls = resolve_class(tag)
    except ValueError as exc:
        raise SnapshotRefused(f"{path}.__dc__", str(exc)) from None
    if not issubclass(cls, hint):
        raise SnapshotRefused(f"{path}.__dc__", f"{tag} is not a {hint.__qualname__}")
    fields = value.get("fields")
    if not isinstance(fields, dict):
        raise SnapshotRefused(f"{path}.fields", f"expected an object, found {_kind(fields)}")
    hints = _hints(cls)
    for name in fields:
        if name not in hints or name not in {f.name for f in dataclasses.fields(cls)}:
            raise SnapshotRefused(f"{path}.fields.{name}", f"unknown field of {cls.__qualname__}")
    missing = _required(cls) - set(fields)
    if missing:
        raise SnapshotRefused(f"{path}.fields.{sorted(missing)[0]}", "missing")
    values = {name: decode_checked(v, hints[name], f"{path}.fields.{name}", depth) for name, v in fields.items()}
    try:
        return build(cls, values)
    except (TypeError, ValueError) as exc:
        raise SnapshotRefused(f"{path}.fields", f"not a valid {cls.__qualname__}: {exc}") from None


def _generic(value: Any, origin: Any, args: tuple[Any, ...], path: str, depth: int) -> Any:
    item = args[0] if args else Any
    if origin in (list, collections.abc.Sequence, collections.abc.MutableSequence):
        if type(value) is not list:
            raise SnapshotRefused(path, f"expected an array, found {_kind(value)}")
        return [decode_checked(v, item, f"{path}[{i}]", depth) for i, v in enumerate(value)]
    if origin is tuple:
        items = _tagged(value, "__tuple__", path)
        if not isinstance(items, list):
            raise SnapshotRefused(f"{path}.__tuple__", "expected an array")
        if args and args[-1] is not Ellipsis and len(args) != len(items):
            raise SnapshotRefused(f"{path}.__tuple__", f"expected {len(args)} items")
        kinds = [args[0]] * len(items) if args and args[-1] is Ellipsis else list(args) or [Any] * len(items)
        pairs = enumerate(zip(items, kinds, strict=True))
        return tuple(decode_checked(v, k, f"{path}.__tuple__[{i}]", depth) for i, (v, k) in pairs)
    if origin in (set, frozenset, collections.abc.Set, collections.abc.MutableSet):
        items = _tagged(value, "__set__", path)
        if not isinstance(items, list):
            raise SnapshotRefused(f"{path}.__set__", "expected an array")
        try:
            return origin({decode_checked(v, item, f"{path}.__set__[{i}]", depth) for i, v in enumerate(items)})
        except TypeError:
            raise SnapshotRefused(f"{path}.__set__", "items must be plain values") from None
    if origin is deque:
        items = _tagged(value, "__deque__", path)
        maxlen = value.get("maxlen")
        if not isinstance(items, list) or (maxlen is not None and (type(maxlen) is not int or maxlen < 0)):
            raise SnapshotRefused(path, "expected an array of items and a non-negative integer maxlen")
        return deque((decode_checked(v, item, f"{path}.__deque__[{i}]", depth) for i, v in enumerate(items)), maxlen)
    if origin in (dict, collections.abc.Mapping, collections.abc.MutableMapping):
        key_hint, value_hint = args if len(args) == 2 else (Any, Any)
        if isinstance(value, dict) and "__map__" in value:
            pairs = _tagged(value, "__map__", path)
            if not isinstance(pairs, list) or not all(isinstance(p, list) and len(p) == 2 for p in pairs):
                raise SnapshotRefused(f"{path}.__map__", "expected an array of [key, value] pairs")
            try:
                return {
                    decode_checked(k, key_hint, f"{path}.__map__[{i}][0]", depth): decode_checked(
                        v, value_hint, f"{path}.__map__[{i}][1]", depth
                    )
                    for i, (k, v) in enumerate(pairs)
                }
            except TypeError:
                raise SnapshotRefused(f"{path}.__map__", "keys must be plain values") from None
        if type(value) is not dict:
            raise SnapshotRefused(path, f"expected an object, found {_kind(value)}")
        return {
            decode_checked(k, key_hint, f"{path}.{k}", depth): decode_checked(v, value_hint, f"{path}.{k}", depth)
            for k, v in value.items()
        }
    return _any(value, path, depth)


_ANY_TAGS = {
    "__dc__": Any,
    "__map__": dict,
    "__deque__": deque,
    "__tuple__": tuple,
    "__set__": set,
    "__dt__": datetime,
    "__b64__": bytes,
}


def _any(value: Any, path: str, depth: int) -> Any:
    """A value typed `Any`: plain JSON, or a tagged value checked as its tag says."""
    if depth > MAX_DEPTH:
        raise SnapshotRefused(path, f"nested deeper than {MAX_DEPTH} levels")
    if type(value) is list:
        return [_any(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)]
    if type(value) is not dict:
        return value
    tag = next((t for t in _ANY_TAGS if t in value), None)
    if tag == "__dc__":
        try:
            cls = resolve_class(str(value["__dc__"]))
        except ValueError as exc:
            raise SnapshotRefused(f"{path}.__dc__", str(exc)) from None
        return _dataclass(value, cls, path, depth)
    if tag is not None:
        return decode_checked(value, _ANY_TAGS[tag], path, depth)
    return {k: _any(v, f"{path}.{k}", depth + 1) for k, v in value.items()}
