"""Drawing cases with hypothesis, and the two edits the harness makes to them before sending.

- Names get the run prefix (``oh-<run id>-``) so everything the run creates can be found again,
  but only where the prefixed name still satisfies the contract (positive cases stay positive).
- Ids of resources the run created are put into bodies that refer to such ids (``deviceTypeId``),
  so creates that depend on other resources get a chance to succeed.
"""

from __future__ import annotations

import contextlib
import functools
import zlib
from collections.abc import Mapping
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException
from schemathesis import Case, GenerationMode

from contracts import spec
from contracts.harness.checks import operation_id

NAME_PATHS = (("name",), ("info", "name"))


def seed_for(base: int, *parts: str) -> int:
    """A stable per-operation seed, so adding an operation does not change the others' inputs."""
    return (base * 1_000_003 + zlib.crc32("/".join(parts).encode())) % (2**32)


def draw(strategy: st.SearchStrategy[Any], count: int, at_seed: int) -> list[Any]:
    """Up to `count` distinct examples, reproducible from `at_seed` (no shrinking, no database)."""
    found: list[Any] = []

    @settings(
        max_examples=count,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @seed(at_seed)
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    with contextlib.suppress(HypothesisException):  # unsatisfiable or otherwise exhausted: keep what was drawn
        collect()
    return found


def is_positive(case: Case[Any]) -> bool:
    meta = case.meta
    return meta is None or meta.generation.mode == GenerationMode.POSITIVE


@functools.cache
def _name_schemas(operation_id_: str, media_type: str) -> tuple[tuple[tuple[str, ...], int, Any], ...]:
    """(where, maxLength, validator) of each name field of the operation's request body."""
    pointer = spec.operation(operation_id_).request_schema_pointer(media_type)
    if pointer is None:
        return ()
    schema = spec.resolve(spec.openapi(), spec.lookup(spec.openapi(), pointer))
    found = []
    for path in NAME_PATHS:
        node: Any = schema
        for key in path:
            node = (node.get("properties") or {}).get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            found.append((path, int(node.get("maxLength", 10_000)), spec.schema_validator(node)))
    return tuple(found)


def prefix_names(case: Case[Any], prefix: str) -> None:
    """Give `name` / `info.name` of a positive body the run prefix, if the result stays valid."""
    if not is_positive(case) or not isinstance(case.body, dict) or not case.media_type:
        return
    for path, max_length, validator in _name_schemas(operation_id(case), case.media_type):
        holder: Any = case.body
        for key in path[:-1]:
            holder = holder.get(key) if isinstance(holder, dict) else None
        if not isinstance(holder, dict) or not isinstance(holder.get(path[-1]), str):
            continue
        original = holder[path[-1]]
        if original.startswith(prefix):
            continue
        candidate = prefix + original[: max(0, max_length - len(prefix))]
        if validator.is_valid(candidate):
            holder[path[-1]] = candidate


def substitute_ids(value: Any, known: Mapping[str, str]) -> Any:
    """Replace string values of keys named like a kind the run created (``deviceTypeId``) by its id."""
    if isinstance(value, dict):
        return {
            k: known[k] if k in known and isinstance(v, str) else substitute_ids(v, known) for k, v in value.items()
        }
    if isinstance(value, list):
        return [substitute_ids(v, known) for v in value]
    return value
