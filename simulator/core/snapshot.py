"""A JSON-able encoding of the simulator's state objects, for snapshot() and restore().

Dataclasses are tagged with their import path (only `simulator.` classes are restored), so
areas get snapshots without writing serialisers of their own.
"""

from __future__ import annotations

import base64
import dataclasses
import importlib
from collections import deque
from datetime import datetime
from typing import Any

from simulator.core.clock import parse_time


def encode(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__dc__": f"{cls.__module__}:{cls.__qualname__}", "fields": fields}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and "__dc__" not in value:
            return {k: encode(v) for k, v in value.items()}
        return {"__map__": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list):
        return [encode(v) for v in value]
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


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__dc__" in value:
        module, _, qualname = value["__dc__"].partition(":")
        if not module.startswith("simulator."):
            raise ValueError(f"refusing to restore {value['__dc__']}")
        cls: Any = importlib.import_module(module)
        for part in qualname.split("."):
            cls = getattr(cls, part)
        kwargs = {k: decode(v) for k, v in value["fields"].items()}
        init = {f.name for f in dataclasses.fields(cls) if f.init}
        obj = cls(**{k: v for k, v in kwargs.items() if k in init})
        for k, v in kwargs.items():
            if k not in init:
                object.__setattr__(obj, k, v)
        return obj
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
    return {k: decode(v) for k, v in value.items()}
