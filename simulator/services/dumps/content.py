"""What goes into a dump file: raw or aggregated points of the selected series, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from simulator.services.timeseries.aggregation import (
    aggregate,
    check_aggregation,
    check_frames,
    optional_range,
    point,
    required_range,
)
from simulator.services.timeseries.storage import Series

if TYPE_CHECKING:
    from simulator.runtime import Simulator

Tagged = tuple[tuple[float, Any], dict[str, str]]  # ((time, value), extra fields)


def newest_first(tagged: Iterable[Tagged]) -> list[dict[str, Any]]:
    """Merge points of several series into one newest-first list (ties keep series order)."""
    ordered = sorted(tagged, key=lambda item: -item[0][0])
    return [point(pair, **extra) for pair, extra in ordered]


def _raw(series: Series, start: float | None, end: float | None) -> list[tuple[float, Any]]:
    return series.newest(start, end, len(series))


class ContentBuilder:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    def _devices(self, tenant_id: str, device_filter: dict[str, Any]) -> list[str]:
        """Ids of the tenant's devices matching a body-form device filter (the devices area's semantics)."""
        return [device.id for device in self.sim.devices.select_devices(tenant_id, device_filter)]

    def device_raw(
        self, tenant_id: str, device_id: str, path: str, start_time: str | None, end_time: str | None
    ) -> list[dict[str, Any]]:
        self.sim.devices.get_device(tenant_id, device_id)
        start, end = optional_range(start_time, end_time)
        series = self.sim.timeseries.series(tenant_id, device_id, path)
        return [point(pair) for pair in _raw(series, start, end)] if series is not None else []

    def devices_raw(
        self, tenant_id: str, data_filter: dict[str, Any], device_filter: dict[str, Any]
    ) -> list[dict[str, Any]]:
        start, end = optional_range(data_filter.get("startTime"), data_filter.get("endTime"))
        selected = self.sim.timeseries.device_series(
            tenant_id, self._devices(tenant_id, device_filter), data_filter.get("path")
        )
        return newest_first(
            (pair, {"deviceId": device_id, "path": path})
            for device_id, path, series in selected
            for pair in _raw(series, start, end)
        )

    def devices_aggregated(
        self, tenant_id: str, data_filter: dict[str, Any], params: dict[str, Any], device_filter: dict[str, Any]
    ) -> list[dict[str, Any]]:
        start, end = required_range(data_filter["startTime"], data_filter["endTime"])
        how, frame_size = params["aggregation"], params.get("frameSize")
        check_aggregation(how, frame_size)
        check_frames(start, end, frame_size)
        selected = self.sim.timeseries.device_series(
            tenant_id, self._devices(tenant_id, device_filter), data_filter.get("path")
        )
        return newest_first(
            (pair, {"deviceId": device_id, "path": path})
            for device_id, path, series in selected
            for pair in aggregate(series, start, end, how, frame_size)
        )

    def timeseries_raw(
        self, tenant_id: str, data_filter: dict[str, Any], timeseries_filter: dict[str, Any]
    ) -> list[dict[str, Any]]:
        start, end = optional_range(data_filter.get("startTime"), data_filter.get("endTime"))
        return newest_first(
            (pair, {"timeseriesId": item.id})
            for item in self.sim.timeseries.standalone.matching(tenant_id, timeseries_filter)
            for pair in _raw(item.series, start, end)
        )

    def timeseries_aggregated(
        self, tenant_id: str, data_filter: dict[str, Any], timeseries_filter: dict[str, Any], params: dict[str, Any]
    ) -> list[dict[str, Any]]:
        start, end = required_range(data_filter["startTime"], data_filter["endTime"])
        how, frame_size = params["aggregation"], params.get("frameSize")
        check_aggregation(how, frame_size)
        return newest_first(
            (pair, {"timeseriesId": item.id})
            for item in self.sim.timeseries.standalone.matching(tenant_id, timeseries_filter)
            for pair in aggregate(item.series, start, end, how, frame_size)
        )
