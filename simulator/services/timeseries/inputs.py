"""What the timeseries backends take: typed inputs, built from the API's camelCase bodies in one place.

Endpoints call `TimeseriesSelection.from_api(...)` / `NewDataPoint.from_api(...)`; Python callers
(scenarios, fixtures, the dumps area, tests) build the dataclasses directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: a metadata value of a standalone timeseries
Scalar = str | int | float | bool


@dataclass(frozen=True)
class TimeseriesSelection:
    """Which standalone timeseries a request names: ids OR together, metadata keys AND together.

    Nothing given selects every timeseries of the tenant. The query form of GET /timeseries and
    the body form (`timeseriesFilter` of the dump requests) mean the same.
    """

    ids: Sequence[str] | None = None
    metadata: Mapping[str, Any] | None = None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any] | None) -> TimeseriesSelection:
        raw = raw or {}
        return cls(ids=raw.get("timeseriesIds"), metadata=raw.get("metadata"))


@dataclass(frozen=True)
class NewDataPoint:
    """One point of POST /timeseries/{id}/data; without a time it is stamped with the simulator's now."""

    value: Any
    time: str | None = None  # RFC 3339

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> NewDataPoint:
        return cls(value=raw["value"], time=raw.get("time") or None)

    @classmethod
    def list_from_api(cls, data: Sequence[Mapping[str, Any]]) -> list[NewDataPoint]:
        return [cls.from_api(item) for item in data]
