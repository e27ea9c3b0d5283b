"""Case-insensitive name matching with `*` wildcards, as the OLT list filters do it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from simulator.core.errors import BadRequest


@lru_cache(maxsize=4096)
def wildcard(pattern: str, ignore_case: bool = True) -> re.Pattern[str]:
    """`*` matches any run of characters (newlines too); use with `.match` (anchored at both ends)."""
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")) + r"\Z", flags)


def strings(value: Any) -> tuple[str, ...]:
    """A filter condition's values as strings: a bare value counts as a one-element array, null as none."""
    if value is None:
        return ()
    return tuple(str(v) for v in (value if isinstance(value, list | tuple) else [value]))


def matches_any(value: str | None, patterns: Iterable[str]) -> bool:
    """OR within one filter kind; `*` matches any run of characters."""
    if value is None:
        return False
    return any(wildcard(p).match(value) for p in patterns)


def query_or_body(query: dict[str, Any], body: Any, keys: Iterable[str]) -> dict[str, list[Any]]:
    """List filters come as query parameters or as a JSON body, never both (facts I.26)."""
    keys = tuple(keys)
    from_query = {k: query[k] for k in keys if query.get(k)}
    from_body = {k: body[k] for k in keys if body.get(k)} if isinstance(body, dict) else {}
    if from_query and from_body:
        raise BadRequest(
            "Filters may be given as query parameters or in the request body, but not both",
            details=[{"path": "body", "message": "filters given in the query and in the body"}],
        )
    return from_query or from_body
