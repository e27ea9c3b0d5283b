"""What the client itself wrote, per resource, so that it comes back exactly as written.

Recorded from the JSON body of every successful create or update, keyed by the resource's id
(the created id, else the last path parameter). A response object whose `id` is known, or the
`data` object of a call on a known resource, then keeps every field at or under a written path.
"""

from __future__ import annotations

from typing import Any

Path = tuple[str, ...]


def written_paths(body: Any, prefix: Path = ()) -> set[Path]:
    """Every object path in a request body (arrays count as one value: their items are not split)."""
    found: set[Path] = set()
    if isinstance(body, dict):
        for key, value in body.items():
            path = (*prefix, str(key))
            found.add(path)
            found |= written_paths(value, path)
    return found


class WrittenRegistry:
    def __init__(self) -> None:
        self.by_resource: dict[str, set[Path]] = {}

    def clear(self) -> None:
        self.by_resource.clear()

    def record(self, resource_id: str | None, body: Any) -> None:
        if resource_id is None or not isinstance(body, dict):
            return
        self.by_resource.setdefault(resource_id, set()).update(written_paths(body))

    def paths(self, resource_id: object) -> set[Path] | None:
        return self.by_resource.get(resource_id) if isinstance(resource_id, str) else None


def protected(written: set[Path] | None, relative: Path) -> bool:
    """Whether a field at `relative` (inside a resource) holds or contains what the client wrote."""
    if not written:
        return False
    if any(relative[:n] in written for n in range(1, len(relative) + 1)):
        return True
    return any(path[: len(relative)] == relative for path in written)
