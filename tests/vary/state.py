"""Reading a varied response against the plain one: same state, only another spelling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from simulator.vary.body import EXTRA_NAMES
from simulator.vary.shape import NO_DEFAULT, shape

MESSAGE_KEYS = {"errorMessage", "error_description", "message"}


def _instant(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.upper())
    except ValueError:
        return None


def contradictions(plain: Any, varied: Any, node: Any, where: str = "body") -> list[str]:
    """Where `varied` says something about the state that `plain` does not (empty: nothing)."""
    here = shape(node) if node is not None else None
    if isinstance(plain, dict) and isinstance(varied, dict):
        found: list[str] = []
        properties = here.properties if here else {}
        for key, value in plain.items():
            sub = properties.get(key)
            if key not in varied:
                default = shape(sub).default if sub is not None else NO_DEFAULT
                empty = value in (None, "", [], {}) or (default is not NO_DEFAULT and value == default)
                if not empty or (here and key in here.required):
                    found.append(f"{where}.{key}: {value!r} was dropped")
                continue
            if not properties:  # a free-form object: exactly as it is
                if varied[key] != value:
                    found.append(f"{where}.{key}: {value!r} became {varied[key]!r}")
                continue
            found += contradictions(value, varied[key], sub, f"{where}.{key}")
        found += [
            f"{where}.{k}: unexpected" for k in varied if k not in plain and (k in properties or k not in EXTRA_NAMES)
        ]
        return found
    if isinstance(plain, list) and isinstance(varied, list):
        if len(plain) != len(varied):
            return [f"{where}: {len(plain)} items became {len(varied)}"]
        items = here.items if here else None
        return [
            p
            for i, (a, b) in enumerate(zip(plain, varied, strict=True))
            for p in contradictions(a, b, items, f"{where}[{i}]")
        ]
    if isinstance(plain, str) and isinstance(varied, str):
        if plain == varied or where.rsplit(".", 1)[-1] in MESSAGE_KEYS:
            return []
        before, after = _instant(plain), _instant(varied)
        if before is not None and after is not None and before == after:
            return []
        return [f"{where}: {plain!r} became {varied!r}"]
    if plain != varied or isinstance(plain, bool) != isinstance(varied, bool):
        return [f"{where}: {plain!r} became {varied!r}"]
    return []
