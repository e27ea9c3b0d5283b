"""What goes into a dump file: raw or aggregated points of the selected series, newest first."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from simulator.services.timeseries.aggregation import (
    aggregate,
    aggregated_range,
    check_frames,
    optional_range,
    point,
)
from simulator.services.timeseries.storage import Series

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.services.devices.filters import DeviceFilter
    from simulator.services.dumps.inputs import Aggregation, DataFilter
    from simulator.services.timeseries.inputs import TimeseriesSelection
    from simulator.services.timeseries.standalone import StandaloneTimeseries

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

    def _device_series(
        self, tenant_id: str, data_filter: DataFilter, device_filter: DeviceFilter
    ) -> Iterator[tuple[str, str, Series]]:
        """(device id, path, series) of the matching devices (the devices area's filter semantics)."""
        device_ids = [device.id for device in self.sim.devices.select_devices(tenant_id, device_filter)]
        return self.sim.timeseries.device_series(tenant_id, device_ids, data_filter.paths)

    def _timeseries(self, tenant_id: str, selection: TimeseriesSelection) -> list[StandaloneTimeseries]:
        return self.sim.timeseries.standalone.list_timeseries(tenant_id, selection)

    def device_raw(
        self, tenant_id: str, device_id: str, path: str, start_time: str | None, end_time: str | None
    ) -> list[dict[str, Any]]:
        self.sim.devices.get_device(tenant_id, device_id)
        start, end = optional_range(start_time, end_time)
        series = self.sim.timeseries.series(tenant_id, device_id, path)
        return [point(pair) for pair in _raw(series, start, end)] if series is not None else []

    def devices_raw(self, tenant_id: str, data_filter: DataFilter, device_filter: DeviceFilter) -> list[dict[str, Any]]:
        start, end = optional_range(data_filter.start_time, data_filter.end_time)
        return newest_first(
            (pair, {"deviceId": device_id, "path": path})
            for device_id, path, series in self._device_series(tenant_id, data_filter, device_filter)
            for pair in _raw(series, start, end)
        )

    def devices_aggregated(
        self, tenant_id: str, data_filter: DataFilter, device_filter: DeviceFilter, aggregation: Aggregation
    ) -> list[dict[str, Any]]:
        start, end = aggregated_range(*data_filter.bounds(), aggregation.how, aggregation.frame_size)
        how, frame_size = aggregation.how, aggregation.frame_size
        check_frames(start, end, frame_size)
        return newest_first(
            (pair, {"deviceId": device_id, "path": path})
            for device_id, path, series in self._device_series(tenant_id, data_filter, device_filter)
            for pair in aggregate(series, start, end, how, frame_size)
        )

    def timeseries_raw(
        self, tenant_id: str, data_filter: DataFilter, selection: TimeseriesSelection
    ) -> list[dict[str, Any]]:
        start, end = optional_range(data_filter.start_time, data_filter.end_time)
        return newest_first(
            (pair, {"timeseriesId": item.id})
            for item in self._timeseries(tenant_id, selection)
            for pair in _raw(item.series, start, end)
        )

    def timeseries_aggregated(
        self, tenant_id: str, data_filter: DataFilter, selection: TimeseriesSelection, aggregation: Aggregation
    ) -> list[dict[str, Any]]:
        start, end = aggregated_range(*data_filter.bounds(), aggregation.how, aggregation.frame_size)
        return newest_first(
            (pair, {"timeseriesId": item.id})
            for item in self._timeseries(tenant_id, selection)
            for pair in aggregate(item.series, start, end, aggregation.how, aggregation.frame_size)
        )
