"""What the client itself wrote, per resource, so that it comes back exactly as written.

Recorded from the JSON body of every successful create or update, keyed by the resource's id
(the created id, else the last path parameter). A response object whose `id` is known, or the
`data` object of a call on a known resource, then keeps every value the client wrote (and all
inside it), gains no undeclared property in an object the client wrote, and loses nothing that
holds a written value. Fields the client did not write in such an object (server defaults) may
still vary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Path = tuple[str, ...]


@dataclass
class Written:
    """Paths of the values (`leaves`: scalars and whole arrays) and objects the client wrote."""

    leaves: set[Path] = field(default_factory=set)
    objects: set[Path] = field(default_factory=set)

    def add(self, body: Any, prefix: Path = ()) -> None:
        if not isinstance(body, dict):
            self.leaves.add(prefix)
            return
        self.objects.add(prefix)
        for key, value in body.items():
            self.add(value, (*prefix, str(key)))


class WrittenRegistry:
    def __init__(self) -> None:
        self.by_resource: dict[str, Written] = {}

    def clear(self) -> None:
        self.by_resource.clear()

    def record(self, resource_id: str | None, body: Any) -> None:
        if resource_id is None or not isinstance(body, dict):
            return
        self.by_resource.setdefault(resource_id, Written()).add(body)

    def paths(self, resource_id: object) -> Written | None:
        return self.by_resource.get(resource_id) if isinstance(resource_id, str) else None


def protected(written: Written | None, relative: Path) -> bool:
    """Whether the value at `relative` (inside a resource) is, is inside, or holds what the client wrote."""
    if written is None:
        return False
    if any(relative[:n] in written.leaves for n in range(1, len(relative) + 1)):
        return True
    return any(path[: len(relative)] == relative for path in written.leaves)


def client_object(written: Written | None, relative: Path) -> bool:
    """Whether the object at `relative` is one the client wrote (it gets no undeclared property)."""
    return written is not None and relative in written.objects
