"""JSON merge patch (RFC 7386): how OLT's PATCH treats object-valued fields (`null` deletes a key)."""

from __future__ import annotations

import copy
from typing import Any


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
