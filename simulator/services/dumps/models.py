"""Asynchronous timeseries dumps, ready after a delay and expiring an hour after creation.

The content is computed when the dump is requested (so it shows the data of that moment);
readiness and expiry are decided lazily against the simulator clock, so no timers are needed
and a manual clock drives them exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.core.errors import NotFound, not_found
from simulator.services.backend import Backend
from simulator.services.dumps.content import ContentBuilder

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.services.devices.filters import DeviceFilter
    from simulator.services.dumps.inputs import Aggregation, DataFilter
    from simulator.services.timeseries.inputs import TimeseriesSelection

EXPIRY_SECONDS = 3600

#: dump kinds: which GET may fetch them
DEVICE, DEVICES, DEVICES_AGGREGATED, TIMESERIES = "device", "devices", "devices-aggregated", "timeseries"


@dataclass
class Dump:
    id: str
    tenant_id: str
    kind: str
    created_at: float
    ready_at: float
    content: list[dict[str, Any]]
    device_id: str | None = None
    file_id: str | None = None  # standalone requests: the id of the file they produce

    @property
    def expires_at(self) -> float:
        return self.created_at + EXPIRY_SECONDS


@dataclass
class DumpsStore:
    dumps: dict[str, Dump] = field(default_factory=dict)  # dump (or request) id -> dump
    files: dict[str, str] = field(default_factory=dict)  # standalone file id -> request id


class DumpsBackend(Backend[DumpsStore]):
    store_field = "dumps"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self.content = ContentBuilder(sim)

    def url(self, path: str) -> str:
        return f"{self.sim.base_url}/v1/{path}"

    # ------------------------------------------------------------------ lifecycle

    def _create(self, tenant_id: str, kind: str, content: list[dict[str, Any]], device_id: str | None = None) -> Dump:
        self._purge()
        now = self.sim.clock.time()
        dump = Dump(
            id=self.sim.random.uuid(),
            tenant_id=tenant_id,
            kind=kind,
            created_at=now,
            ready_at=now + max(0.0, self.sim.settings.dump_delay_seconds),
            content=content,
            device_id=device_id,
        )
        if kind == TIMESERIES:
            dump.file_id = self.sim.random.uuid()
            self.store.files[dump.file_id] = dump.id
        self.store.dumps[dump.id] = dump
        return dump

    def _purge(self) -> None:
        """Forget expired dumps (called on create, so the store stays bounded)."""
        now = self.sim.clock.time()
        for dump in [d for d in self.store.dumps.values() if d.expires_at <= now]:
            del self.store.dumps[dump.id]
            if dump.file_id:
                self.store.files.pop(dump.file_id, None)

    def _live(self, tenant_id: str, dump_id: str, kind: str, device_id: str | None = None) -> Dump:
        """The dump if it exists for this tenant/kind/device and has not expired."""
        dump = self.store.dumps.get(dump_id)
        if (
            dump is None
            or dump.tenant_id != tenant_id
            or dump.kind != kind
            or dump.device_id != device_id
            or self.sim.clock.time() >= dump.expires_at
        ):
            raise not_found("Dump", dump_id)
        return dump

    def _ready(self, tenant_id: str, dump_id: str, kind: str, device_id: str | None = None) -> list[dict[str, Any]]:
        dump = self._live(tenant_id, dump_id, kind, device_id)
        if self.sim.clock.time() < dump.ready_at:
            raise NotFound(f"Dump {dump_id} is not ready yet", code="DUMP_NOT_READY")
        return dump.content

    def _accepted(self, dump: Dump, path: str) -> dict[str, str]:
        return {"id": dump.id, "url": self.url(f"{path}/{dump.id}")}

    # ------------------------------------------------------------------ device dumps

    @records_change("createDeviceTimeseriesDump", resource="device_id")
    def create_device_timeseries_dump(
        self, tenant_id: str, device_id: str, path: str, start_time: str | None = None, end_time: str | None = None
    ) -> dict[str, str]:
        content = self.content.device_raw(tenant_id, device_id, path, start_time, end_time)
        dump = self._create(tenant_id, DEVICE, content, device_id)
        return self._accepted(dump, f"devices/{device_id}/timeseries-dump")

    def get_device_timeseries_dump(self, tenant_id: str, device_id: str, dump_id: str) -> list[dict[str, Any]]:
        return self._ready(tenant_id, dump_id, DEVICE, device_id)

    @records_change("createDevicesTimeseriesDump")
    def create_devices_timeseries_dump(
        self, tenant_id: str, data_filter: DataFilter, device_filter: DeviceFilter
    ) -> dict[str, str]:
        content = self.content.devices_raw(tenant_id, data_filter, device_filter)
        return self._accepted(self._create(tenant_id, DEVICES, content), "devices/timeseries-dump")

    def get_devices_timeseries_dump(self, tenant_id: str, dump_id: str) -> list[dict[str, Any]]:
        return self._ready(tenant_id, dump_id, DEVICES)

    @records_change("createDevicesAggregatedTimeseriesDump")
    def create_devices_aggregated_timeseries_dump(
        self, tenant_id: str, data_filter: DataFilter, device_filter: DeviceFilter, aggregation: Aggregation
    ) -> dict[str, str]:
        content = self.content.devices_aggregated(tenant_id, data_filter, device_filter, aggregation)
        dump = self._create(tenant_id, DEVICES_AGGREGATED, content)
        return self._accepted(dump, "devices/aggregated-timeseries-dump")

    def get_devices_aggregated_timeseries_dump(self, tenant_id: str, dump_id: str) -> list[dict[str, Any]]:
        return self._ready(tenant_id, dump_id, DEVICES_AGGREGATED)

    # ------------------------------------------------------------------ standalone timeseries files

    @records_change("createTimeseriesDump")
    def create_timeseries_dump(
        self, tenant_id: str, data_filter: DataFilter, selection: TimeseriesSelection
    ) -> dict[str, str]:
        content = self.content.timeseries_raw(tenant_id, data_filter, selection)
        return self._accepted(self._create(tenant_id, TIMESERIES, content), "timeseries/requests")

    @records_change("createTimeseriesAggregatedDump")
    def create_timeseries_aggregated_dump(
        self, tenant_id: str, data_filter: DataFilter, selection: TimeseriesSelection, aggregation: Aggregation
    ) -> dict[str, str]:
        content = self.content.timeseries_aggregated(tenant_id, data_filter, selection, aggregation)
        return self._accepted(self._create(tenant_id, TIMESERIES, content), "timeseries/requests")

    def get_timeseries_request(self, tenant_id: str, request_id: str) -> tuple[bool, dict[str, Any]]:
        """(done, status body): pending until the file is ready; 404 once it expired."""
        dump = self._live(tenant_id, request_id, TIMESERIES)
        if self.sim.clock.time() < dump.ready_at:
            return False, {"id": dump.id, "status": "pending"}
        assert dump.file_id is not None
        url = self.url(f"timeseries/files/{dump.file_id}")
        return True, {"id": dump.id, "status": "done", "fileId": dump.file_id, "url": url}

    def get_timeseries_file(self, tenant_id: str, file_id: str) -> list[dict[str, Any]]:
        request_id = self.store.files.get(file_id)
        if request_id is None:
            raise not_found("File", file_id)
        try:
            return self._ready(tenant_id, request_id, TIMESERIES)
        except NotFound:
            raise not_found("File", file_id) from None
