"""JSON merge patch (RFC 7386): how OLT's PATCH treats object-valued fields (`null` deletes a key)."""

from __future__ import annotations

import copy
from dataclasses import fields
from enum import Enum
from typing import Any


class Unset(Enum):
    """A PATCH field that was not sent (None means "clear" where the API allows it)."""

    UNSET = "unset"


UNSET = Unset.UNSET


def given(changes: Any) -> dict[str, Any]:
    """attribute -> value of every field of a changes dataclass that was sent (is not UNSET)."""
    return {f.name: value for f in fields(changes) if (value := getattr(changes, f.name)) is not UNSET}


def merge_patch(target: Any, patch: Any) -> Any:
    """A new value: `patch` merged into `target`; neither argument is modified.

    Objects merge key by key (a `null` value removes the key); anything else replaces.
    """
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
