"""Case-insensitive name matching with `*` wildcards, as the OLT list filters do it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


@lru_cache(maxsize=4096)
def wildcard(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(part) for part in pattern.split("*")) + "$", re.IGNORECASE)


def matches_any(value: str | None, patterns: Iterable[str]) -> bool:
    """OR within one filter kind; `*` matches any run of characters."""
    if value is None:
        return False
    return any(wildcard(p).match(value) for p in patterns)
