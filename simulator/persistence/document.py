"""A snapshot document (`GET /_sim/snapshot`, `olt-sim snapshot save`) read back into a new world.

Everything is decoded and checked before the running simulator is touched; `read_snapshot`
returns the pieces a restore swaps in, or raises `SnapshotRefused` naming the JSON path.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from simulator.core.snapshot_check import MAX_DEPTH, SnapshotRefused, decode_checked
from simulator.world import World

#: Largest body PUT /_sim/snapshot reads (a 10,000-device world with 1,000,000 points is ~40 MiB).
MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024
#: The snapshot document's version; 1 is the only one there has been.
SNAPSHOT_VERSION = 1
FIELDS = ("version", "clock", "random", "state")
RandomState = tuple[int, tuple[int, ...], float | None]


@dataclass(frozen=True)
class CheckedSnapshot:
    clock: float
    random_state: tuple[Any, ...]
    world: World


def depth_problem(value: Any, limit: int = MAX_DEPTH + 12) -> str | None:
    """The JSON path where `value` nests deeper than `limit`, walked without recursion."""
    stack: list[tuple[Any, str, int]] = [(value, "$", 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > limit:
            return path
        if type(item) is dict:
            stack.extend((v, f"{path}.{k}", depth + 1) for k, v in item.items() if type(v) in (dict, list))
        elif type(item) is list:
            stack.extend((v, f"{path}[{i}]", depth + 1) for i, v in enumerate(item) if type(v) in (dict, list))
    return None


def read_snapshot(document: Any) -> CheckedSnapshot:
    """The whole document decoded into a new world, or SnapshotRefused naming the first bad path."""
    if not isinstance(document, dict):
        raise SnapshotRefused("$", "a snapshot is a JSON object")
    deep = depth_problem(document)
    if deep is not None:
        raise SnapshotRefused(deep, f"nested deeper than {MAX_DEPTH} levels")
    for name in FIELDS:
        if name not in document:
            raise SnapshotRefused(f"$.{name}", "missing")
    for name in document:
        if name not in FIELDS:
            raise SnapshotRefused(f"$.{name}", "unknown field")
    version = document["version"]
    if type(version) is not int or version != SNAPSHOT_VERSION:
        raise SnapshotRefused(
            "$.version", f"unsupported snapshot version {version!r}; this olt-sim reads version {SNAPSHOT_VERSION}"
        )
    clock = decode_checked(document["clock"], float, "$.clock")
    state = decode_checked(document["random"], RandomState, "$.random")
    try:
        random.Random().setstate(state)
    except (TypeError, ValueError) as exc:
        raise SnapshotRefused("$.random", f"not a random generator state: {exc}") from None
    world = decode_checked(document["state"], World, "$.state")
    return CheckedSnapshot(clock, state, world)


def parse_snapshot(raw: bytes) -> Any:
    """The JSON of a snapshot body, or SnapshotRefused (size, syntax, nesting the parser cannot follow)."""
    if len(raw) > MAX_SNAPSHOT_BYTES:
        raise SnapshotRefused("$", f"the body exceeds the limit of {MAX_SNAPSHOT_BYTES} bytes")
    try:
        return json.loads(raw)
    except RecursionError:
        raise SnapshotRefused("$", f"nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # UnicodeDecodeError included
        raise SnapshotRefused("$", f"not JSON: {exc}") from None
