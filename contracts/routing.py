"""Match a concrete request path to a contract operation (static segments win over parameters)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol


class Routable(Protocol):
    @property
    def method(self) -> str: ...

    @property
    def full_path(self) -> str: ...


@dataclass
class _Node:
    static: dict[str, _Node] = field(default_factory=dict)
    param: tuple[str, _Node] | None = None
    operations: dict[str, Routable] = field(default_factory=dict)


class RouteMiss(Exception):
    """No operation for this request; `allowed` is non-empty when only the method was wrong."""

    def __init__(self, allowed: frozenset[str] = frozenset()) -> None:
        super().__init__("method not allowed" if allowed else "no such path")
        self.allowed = allowed


class OperationRouter:
    def __init__(self, operations: Iterable[Routable]) -> None:
        self._root = _Node()
        for op in operations:
            node = self._root
            for segment in op.full_path.strip("/").split("/"):
                if segment.startswith("{") and segment.endswith("}"):
                    if node.param is None:
                        node.param = (segment[1:-1], _Node())
                    node = node.param[1]
                else:
                    node = node.static.setdefault(segment, _Node())
            node.operations[op.method.upper()] = op

    def match(self, method: str, path: str) -> tuple[Routable, dict[str, str]]:
        segments = path.strip("/").split("/")
        node = self._find(self._root, segments, 0, {})
        if node is None:
            raise RouteMiss()
        found, params = node
        op = found.operations.get(method.upper())
        if op is None:
            raise RouteMiss(frozenset(found.operations))
        return op, params

    def _find(
        self, node: _Node, segments: list[str], index: int, params: dict[str, str]
    ) -> tuple[_Node, dict[str, str]] | None:
        if index == len(segments):
            return (node, params) if node.operations else None
        segment = segments[index]
        child = node.static.get(segment)
        if child is not None:
            found = self._find(child, segments, index + 1, params)
            if found:
                return found
        if node.param is not None and segment:
            name, child = node.param
            return self._find(child, segments, index + 1, {**params, name: segment})
        return None
