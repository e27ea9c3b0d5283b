"""What the dumps backend takes: typed inputs, built from the API's camelCase bodies in one place.

Endpoints call `DataFilter.from_api(body["dataFilter"])` and friends; Python callers (scenarios,
fixtures, tests) build the dataclasses directly. Which devices a dump covers is a
`simulator.services.devices.filters.DeviceFilter`, which standalone timeseries a
`simulator.services.timeseries.inputs.TimeseriesSelection`: the areas that own them define them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.core.errors import BadRequest


@dataclass(frozen=True)
class DataFilter:
    """`dataFilter`: the time range (RFC 3339; a missing end is open) and the reporting-rule paths.

    `paths` None means every stored path; standalone timeseries have no paths and ignore it.
    """

    start_time: str | None = None
    end_time: str | None = None
    paths: Sequence[str] | None = None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> DataFilter:
        paths = raw.get("path")
        return cls(raw.get("startTime"), raw.get("endTime"), None if paths is None else tuple(paths))

    def bounds(self) -> tuple[str, str]:
        """(start, end) of an aggregated dump, where both ends are required."""
        if self.start_time is None or self.end_time is None:
            raise BadRequest(
                "An aggregated dump needs startTime and endTime",
                details=[{"path": "body.dataFilter", "message": "startTime and endTime are required"}],
            )
        return self.start_time, self.end_time


@dataclass(frozen=True)
class Aggregation:
    """`params` of the aggregated dumps: how frames are reduced, and their size (None: one frame)."""

    how: str
    frame_size: str | None = None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> Aggregation:
        return cls(raw["aggregation"], raw.get("frameSize"))
