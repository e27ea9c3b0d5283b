"""What the streaming backend takes: typed inputs, built from the API's camelCase body in one place.

The endpoint calls `StreamRequest.from_api(body)`; Python callers build `StreamRequest` and
`StreamFilter` directly. A ticket stores the filter's `conditions()`, the form the matcher reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from simulator.core.filters import strings

#: API filter key -> StreamFilter field (facts G.2), in the order the stored conditions keep
API_FIELDS = {
    "type": "types",
    "deviceId": "device_ids",
    "tag": "tags",
    "deviceTypeId": "device_type_ids",
    "deviceTypeCategory": "device_type_categories",
    "attributes": "attributes",
    "configurations": "configurations",
    "event": "events",
}


@dataclass(frozen=True)
class StreamFilter:
    """Which messages a stream carries: conditions AND together, values within one OR; empty means any.

    `attributes`, `configurations` and `events` (names inside the payload) only constrain messages
    of their own kind; tags match with `*` wildcards, ignoring case.
    """

    types: Sequence[str] = ()  # attributeUpdate, configurationUpdate, eventUpdate
    device_ids: Sequence[str] = ()
    tags: Sequence[str] = ()
    device_type_ids: Sequence[str] = ()
    device_type_categories: Sequence[str] = ()
    attributes: Sequence[str] = ()
    configurations: Sequence[str] = ()
    events: Sequence[str] = ()

    def __post_init__(self) -> None:
        for item in fields(self):
            object.__setattr__(self, item.name, strings(getattr(self, item.name)))

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> StreamFilter:
        """Known conditions only (unknown keys are ignored)."""
        return cls(**{name: strings(raw.get(key)) for key, name in API_FIELDS.items()})

    def conditions(self) -> dict[str, list[str]]:
        """API key -> values of every condition given: what a ticket stores and `matches` reads."""
        return {key: list(values) for key, name in API_FIELDS.items() if (values := getattr(self, name))}


@dataclass(frozen=True)
class StreamRequest:
    """POST /devices/streaming-connections: which stream, filtered how, replayed from when."""

    type: str = "live"
    filter: StreamFilter = field(default_factory=StreamFilter)
    replay_from_timestamp: str | None = None  # RFC 3339

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> StreamRequest:
        options = body.get("options") or {}
        filter_ = StreamFilter.from_api(body.get("filter") or {})
        return cls(body.get("type") or "live", filter_, options.get("replayFromTimestamp"))
