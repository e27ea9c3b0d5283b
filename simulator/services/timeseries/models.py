"""Device timeseries: per (tenant, device, path) sorted points fed by the ingest pipeline.

The standalone `/timeseries` resource lives in standalone.py and hangs off this backend as
`sim.timeseries.standalone`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.services.backend import Backend
from simulator.services.timeseries.aggregation import (
    aggregate,
    aggregated_range,
    check_frames,
    last_hour,
    optional_range,
    points,
)
from simulator.services.timeseries.standalone import StandaloneBackend, StandaloneTimeseries
from simulator.services.timeseries.storage import Series

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def append_point(
    devices: dict[str, dict[str, dict[str, Series]]], tenant_id: str, device_id: str, path: str, time: float, value: Any
) -> None:
    """One point into `devices` (tenant -> device -> path -> series), making what is missing."""
    by_device = devices.get(tenant_id)
    if by_device is None:
        by_device = devices[tenant_id] = {}
    by_path = by_device.get(device_id)
    if by_path is None:
        by_path = by_device[device_id] = {}
    series = by_path.get(path)
    if series is None:
        series = by_path[path] = Series()
    series.append(time, value)


@dataclass
class TimeseriesStore:
    #: tenant id -> device id -> reporting-rule path -> points
    devices: dict[str, dict[str, dict[str, Series]]] = field(default_factory=dict)
    #: tenant id -> timeseries id -> standalone timeseries (with its points)
    standalone: dict[str, dict[str, StandaloneTimeseries]] = field(default_factory=dict)


class TimeseriesBackend(Backend[TimeseriesStore]):
    store_field = "timeseries"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self.standalone = StandaloneBackend(sim)

    # ------------------------------------------------------------------ pipeline side

    def append(self, tenant_id: str, device_id: str, path: str, time: float, value: Any) -> None:
        append_point(self.store.devices, tenant_id, device_id, path, time, value)

    def all_series(self) -> dict[str, dict[str, dict[str, Series]]]:
        """tenant id -> device id -> path -> series (the pipeline appends many points to it)."""
        return self.store.devices

    def series(self, tenant_id: str, device_id: str, path: str) -> Series | None:
        return self.store.devices.get(tenant_id, {}).get(device_id, {}).get(path)

    def device_paths(self, tenant_id: str, device_id: str) -> list[str]:
        return sorted(self.store.devices.get(tenant_id, {}).get(device_id, {}))

    def device_series(
        self, tenant_id: str, device_ids: list[str], paths: Sequence[str] | None
    ) -> Iterator[tuple[str, str, Series]]:
        """(device id, path, series) for every stored series of the devices, limited to `paths` if given."""
        tenant = self.store.devices.get(tenant_id, {})
        for device_id in device_ids:
            by_path = tenant.get(device_id, {})
            for path in sorted(by_path) if paths is None else paths:
                if path in by_path:
                    yield device_id, path, by_path[path]

    def forget_device(self, device_id: str) -> None:
        """Drop a deleted device's timeseries (the devices area calls this)."""
        for tenant in self.store.devices.values():
            tenant.pop(device_id, None)

    # ------------------------------------------------------------------ REST operations

    def get_device_last_timeseries(self, tenant_id: str, device_id: str, path: str) -> list[dict[str, Any]]:
        self.sim.devices.get_device(tenant_id, device_id)
        return points(last_hour(self.series(tenant_id, device_id, path), self.sim.clock.time()))

    def get_device_aggregated_timeseries(
        self,
        tenant_id: str,
        device_id: str,
        path: str,
        start_time: str,
        end_time: str,
        aggregation: str,
        frame_size: str | None = None,
    ) -> list[dict[str, Any]]:
        self.sim.devices.get_device(tenant_id, device_id)
        start, end = aggregated_range(start_time, end_time, aggregation, frame_size)
        check_frames(start, end, frame_size)
        return points(aggregate(self.series(tenant_id, device_id, path), start, end, aggregation, frame_size))

    @records_change("deleteDeviceTimeseries", resource="device_id")
    def delete_device_timeseries(
        self,
        tenant_id: str,
        device_id: str,
        path: str,
        start_time: str | None = None,
        end_time: str | None = None,
    ) -> int:
        self.sim.devices.get_device(tenant_id, device_id)
        start, end = optional_range(start_time, end_time)
        series = self.series(tenant_id, device_id, path)
        return series.delete(start, end) if series is not None else 0
