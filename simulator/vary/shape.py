"""What a response schema node allows, flattened for the variation walker.

`allOf`, `oneOf` and `anyOf` branches are merged conservatively: a property required by any
branch counts as required, and extra properties count as allowed only when no branch closes the
object. The walker then checks every varied body against the real schema, so a merge that is too
generous costs a reverted variation, never an invalid response.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from contracts import spec
from contracts.validation import follow

NO_DEFAULT = object()
_CLOSING = ("patternProperties", "propertyNames", "unevaluatedProperties", "dependentSchemas")


@dataclass(frozen=True)
class Shape:
    """One schema node: its types, declared properties (raw nodes), items, format and default."""

    types: frozenset[str]
    properties: dict[str, Any]
    required: frozenset[str]
    open: bool  # declared properties and room for undeclared ones
    items: Any | None
    format: str | None
    default: Any

    @property
    def is_record(self) -> bool:
        """An object with declared properties: free-form maps (configuration, custom) are client data."""
        return bool(self.properties)


def _merge(node: Any, seen: frozenset[int]) -> dict[str, Any]:
    node = follow(node)
    if not isinstance(node, dict) or id(node) in seen:
        return {"types": set(), "properties": {}, "required": set(), "open": True, "items": None}
    seen = seen | {id(node)}
    types = node.get("type", [])
    merged: dict[str, Any] = {
        "types": {types} if isinstance(types, str) else set(types),
        "properties": dict(node.get("properties", {})),
        "required": set(node.get("required", [])),
        "open": node.get("additionalProperties", True) is not False and not any(k in node for k in _CLOSING),
        "items": node.get("items"),
        "format": node.get("format"),
        "default": node.get("default", NO_DEFAULT),
    }
    if "const" in node or "enum" in node:
        merged["open"] = False
    for key in ("allOf", "oneOf", "anyOf"):
        for branch in node.get(key, []):
            part = _merge(branch, seen)
            merged["types"] |= part["types"]
            for name, sub in part["properties"].items():
                merged["properties"].setdefault(name, sub)
            merged["required"] |= part["required"]
            merged["open"] = merged["open"] and part["open"]
            merged["items"] = merged["items"] or part["items"]
            merged["format"] = merged["format"] or part.get("format")
    return merged


_SHAPES: dict[int, tuple[Any, Shape]] = {}


def shape(node: Any) -> Shape:
    """The flattened shape of a raw schema node of the OpenAPI document (cached per node).

    Keyed by identity: the document is loaded once and never changes; the node is kept alive
    next to its shape so the id cannot be reused.
    """
    found = _SHAPES.get(id(node))
    if found is not None and found[0] is node:
        return found[1]
    merged = _merge(node, frozenset())
    result = Shape(
        types=frozenset(merged["types"]),
        properties=merged["properties"],
        required=frozenset(merged["required"]),
        open=merged["open"],
        items=merged["items"],
        format=merged.get("format"),
        default=merged.get("default", NO_DEFAULT),
    )
    _SHAPES[id(node)] = (node, result)
    return result


@cache
def response_schema(operation_id: str, status: int, media_type: str) -> tuple[str, Any] | None:
    """(pointer, raw schema node) of an operation's response body, or None when it declares none."""
    operation = spec.operation(operation_id)
    try:
        at = operation.response_schema_pointer(status, media_type)
    except KeyError:
        return None
    if at is None:
        return None
    return at, spec.lookup(spec.openapi(), at)
