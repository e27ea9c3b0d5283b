"""Write a JSON body the way another server might: key order, whitespace, escapes, number forms.

Each form parses back to the same value, so none of them is a change of state.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring, encode_basestring_ascii
from typing import Any


@dataclass
class Layout:
    shuffle_keys: random.Random | None = None
    indent: str | None = None
    ascii_only: bool = False
    numbers: dict[tuple[int, str | int], str] = field(default_factory=dict)  # (id(container), key) -> form


def _number(value: int | float, form: str) -> str:
    """`value` in another spelling that parses back to exactly the same number."""
    if abs(value) >= 2**53:  # a float could not hold this integer exactly
        return json.dumps(value)
    if form == "exponent":  # the shortest exact digits, as mantissa and exponent: 48.1354642 -> 4.81354642e+1
        return format(Decimal(repr(value)), "e")
    return repr(float(value)) if isinstance(value, int) else repr(value)


def dumps(doc: Any, layout: Layout) -> str:
    """`doc` as JSON text in `layout` (the plain compact form when the layout changes nothing)."""
    if layout.shuffle_keys is None and not layout.numbers:
        separators = (",", ": ") if layout.indent else (",", ":")
        return json.dumps(doc, indent=layout.indent, ensure_ascii=layout.ascii_only, separators=separators)
    return _emit(doc, layout, 0)


def _emit(value: Any, layout: Layout, depth: int) -> str:
    if isinstance(value, dict):
        keys = list(value)
        if layout.shuffle_keys is not None:
            layout.shuffle_keys.shuffle(keys)
        parts = [_string(str(k), layout) + ":" + _member(value, k, layout, depth) for k in keys]
        return _join("{", parts, "}", layout, depth)
    if isinstance(value, list):
        return _join("[", [_member(value, i, layout, depth) for i in range(len(value))], "]", layout, depth)
    if isinstance(value, str):
        return _string(value, layout)
    return json.dumps(value)


def _member(container: Any, key: str | int, layout: Layout, depth: int) -> str:
    value = container[key]
    form = layout.numbers.get((id(container), key))
    if form is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return _number(value, form)
    return _emit(value, layout, depth + 1)


def _string(text: str, layout: Layout) -> str:
    return encode_basestring_ascii(text) if layout.ascii_only else encode_basestring(text)  # what json.dumps calls


def _join(open_: str, parts: list[str], close: str, layout: Layout, depth: int) -> str:
    if not layout.indent or not parts:
        return open_ + ",".join(parts) + close
    inner = "\n" + layout.indent * (depth + 1)
    return open_ + inner + ("," + inner).join(parts) + "\n" + layout.indent * depth + close
