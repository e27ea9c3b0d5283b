"""A JSON-able encoding of the simulator's state objects, for snapshot() and restore().

Dataclasses are tagged with their import path (only `simulator.` classes are restored), so
areas get snapshots without writing serialisers of their own. Class lookups are cached and
plain values dispatch on their exact type: a 10,000-device world encodes in a fraction of a
second, which is what periodic persistence (simulator/persistence/) pays every dirty second.

`decode` trusts its input (our own files); documents from outside go through
`simulator.core.snapshot_check.decode_checked`, which validates every field first.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
from collections import deque
from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.core.clock import parse_time

_PLAIN = frozenset({type(None), bool, int, float, str})
_TAGS: dict[type, tuple[str, tuple[str, ...]]] = {}
_CLASSES: dict[str, tuple[Any, frozenset[str]]] = {}
_INIT: dict[type, frozenset[str]] = {}
_ENCODERS: dict[type, Callable[[Any], Any]] = {}


def class_tag(cls: type) -> tuple[str, tuple[str, ...]]:
    """The `module:qualname` tag of a dataclass and its field names (cached)."""
    found = _TAGS.get(cls)
    if found is None:
        found = _TAGS[cls] = (f"{cls.__module__}:{cls.__qualname__}", tuple(f.name for f in dataclasses.fields(cls)))
    return found


def _compile_encoder(cls: type) -> Callable[[Any], Any]:
    """A function encoding one dataclass with its fields spelled out (no per-field loop or getattr):
    persistence encodes every device each dirty second, and this halves what that costs."""
    tag, names = class_tag(cls)
    items = ", ".join(
        f"{name!r}: (_v if (_t := type(_v := o.{name})) in PLAIN else {{'__dt__': _v.isoformat()}} if _t is DT "
        "else encode(_v))"
        for name in names
    )
    source = f"def encode_one(o):\n    return {{'__dc__': TAG, 'fields': {{{items}}}}}\n"
    namespace: dict[str, Any] = {"TAG": tag, "PLAIN": _PLAIN, "DT": datetime, "encode": encode}
    exec(compile(source, f"<snapshot encoder of {tag}>", "exec"), namespace)  # names are dataclass fields
    encoder: Callable[[Any], Any] = namespace["encode_one"]
    return encoder


def resolve_class(tag: str) -> Any:
    """The dataclass a tag names; ValueError unless it is a `simulator.` dataclass."""
    found = _CLASSES.get(tag)
    if found is not None:
        return found[0]
    module, _, qualname = tag.partition(":")
    if not module.startswith("simulator.") or not qualname:
        raise ValueError(f"refusing to restore {tag}")
    try:
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
    except (ImportError, AttributeError):
        raise ValueError(f"unknown class {tag}") from None
    if not (isinstance(cls, type) and dataclasses.is_dataclass(cls)):
        raise ValueError(f"{tag} is not a state class")
    _CLASSES[tag] = (cls, frozenset(f.name for f in dataclasses.fields(cls) if f.init))
    return cls


def encode(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list:
        return [v if type(v) in _PLAIN else encode(v) for v in value] if value else []
    if kind is dict:
        if not value:
            return {}
        if "__dc__" not in value and all(type(k) is str for k in value):
            return {k: v if type(v) in _PLAIN else encode(v) for k, v in value.items()}
        return {"__map__": [[encode(k), encode(v)] for k, v in value.items()]}
    encoder = _ENCODERS.get(kind)
    if encoder is not None:
        return encoder(value)
    if kind is datetime:
        return {"__dt__": value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        encoder = _ENCODERS[kind] = _compile_encoder(kind)
        return encoder(value)
    if isinstance(value, bool | int | float | str):  # subclasses (enums of str, ...)
        return value
    if isinstance(value, dict):
        return encode(dict(value))
    if isinstance(value, list):
        return encode(list(value))
    if isinstance(value, deque):
        return {"__deque__": [encode(v) for v in value], "maxlen": value.maxlen}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        return {"__set__": sorted((encode(v) for v in value), key=repr)}
    if isinstance(value, datetime):
        return {"__dt__": value.isoformat()}
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode()}
    raise TypeError(f"cannot snapshot {type(value).__name__}")


def build(cls: Any, values: dict[str, Any]) -> Any:
    """An instance of a state dataclass from decoded field values (non-init fields set afterwards)."""
    init = _INIT.get(cls)
    if init is None:
        init = _INIT[cls] = frozenset(f.name for f in dataclasses.fields(cls) if f.init)
    if init.issuperset(values):
        return cls(**values)
    obj = cls(**{k: v for k, v in values.items() if k in init})
    for k, v in values.items():
        if k not in init:
            object.__setattr__(obj, k, v)
    return obj


def decode(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        return [v if type(v) in _PLAIN else decode(v) for v in value]
    if kind is not dict:
        return value
    if "__dc__" in value:
        cls = resolve_class(value["__dc__"])
        return build(cls, {k: v if type(v) in _PLAIN else decode(v) for k, v in value["fields"].items()})
    if "__map__" in value:
        return {decode(k): decode(v) for k, v in value["__map__"]}
    if "__deque__" in value:
        return deque((decode(v) for v in value["__deque__"]), maxlen=value.get("maxlen"))
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__set__" in value:
        return {decode(v) for v in value["__set__"]}
    if "__dt__" in value:
        return parse_time(value["__dt__"])
    if "__b64__" in value:
        return base64.b64decode(value["__b64__"])
    return {k: v if type(v) in _PLAIN else decode(v) for k, v in value.items()}
