"""Devices: registration, desired configuration, filters, and what other areas ask about them.

The reported state (digital twin), online monitoring and actions live in `state.py` and
`actions.py`, the lookups they share in `base.py`; this module holds the data and the CRUD rules.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.core.clock import iso, parse_time
from simulator.core.errors import BadRequest, UnprocessableEntity
from simulator.core.events import DeviceConfigurationChanged, DeviceCreated, DeviceDeleted
from simulator.core.patch import merge_patch
from simulator.services.devices.actions import DeviceActionOperations
from simulator.services.devices.base import EVERY_DEVICE
from simulator.services.devices.filters import DeviceFilter, TenantIndex, index_keys
from simulator.services.devices.inputs import DeviceChanges, NewDevice
from simulator.services.devices.state import DeviceState, DeviceStateOperations

if TYPE_CHECKING:
    from simulator.services.device_types.models import DeviceType

#: info fields a PATCH may clear with null, and what they become.
CLEARED: dict[str, Any] = {
    "description": "",
    "location": "",
    "tags": [],
    "aliases": [],
    "coordinates": {},
    "installation_timestamp": None,
    "connected_by": None,
}


@dataclass
class Device:
    id: str
    tenant_id: str
    name: str
    device_type_id: str
    seq: int  # creation order within the store: "newest first" without comparing times
    created_at: datetime
    updated_at: datetime
    description: str = ""
    tags: list[str] = field(default_factory=list)  # lower-case
    aliases: list[str] = field(default_factory=list)
    connected_by: str | None = None
    location: str = ""
    coordinates: dict[str, Any] = field(default_factory=dict)
    installation_timestamp: datetime | None = None
    configuration: dict[str, Any] = field(default_factory=dict)  # desired; the reported one is in `state`
    custom: dict[str, Any] = field(default_factory=dict)
    communication_interval: int | None = None
    last_seen: float | None = None  # epoch seconds on the simulator clock
    state: DeviceState = field(default_factory=DeviceState)

    def __post_init__(self) -> None:
        #: `to_json()`'s text while the device is unchanged; not a field, so snapshots leave it
        #: out. Set like one (never through `__dict__`), so a rollback takes the cache back too.
        self._json: str | None = None

    def changed(self, now: datetime) -> None:
        """Every change goes through here: it stamps `updatedAt` and drops the cached JSON."""
        self.updated_at = now
        self._json = None

    def to_json(self) -> str:
        """`to_api()` as JSON text, cached: list pages of a big fleet are mostly encoding."""
        cached = self._json
        if cached is None:
            cached = self._json = json.dumps(self.to_api(), separators=(",", ":"), ensure_ascii=False)
        return cached

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "deviceTypeId": self.device_type_id,
            "description": self.description,
            "installationTimestamp": iso(self.installation_timestamp) if self.installation_timestamp else None,
            "tags": list(self.tags),
            "connectedBy": self.connected_by,
            "location": self.location,
            "aliases": list(self.aliases),
            "coordinates": self.coordinates,
        }

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "info": self.info(),
            "configuration": self.configuration,
            "custom": self.custom,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "tenantId": self.tenant_id,
        }


@dataclass
class DevicesStore:
    devices: dict[str, dict[str, Device]] = field(default_factory=dict)  # tenant -> id -> device, oldest first
    next_seq: int = 0

    def __post_init__(self) -> None:
        self._indexes: dict[str, TenantIndex] = {}  # derived: rebuilt lazily after restore

    def index(self, tenant_id: str) -> TenantIndex:
        found = self._indexes.get(tenant_id)
        if found is None:
            found = self._indexes[tenant_id] = TenantIndex()
            for device in self.devices.get(tenant_id, {}).values():
                found.add(device)
        return found


def unique_lower(tags: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(t.lower() for t in tags))


class DevicesBackend(DeviceStateOperations, DeviceActionOperations):
    """The devices backend (`sim.devices`): CRUD here, the rest in the parts it extends."""

    # ------------------------------------------------------------------ operations

    @records_change("createDevice", created=True)
    def create_device(self, tenant_id: str, new: NewDevice) -> Device:
        _check_name(new.name)
        dtype = self._device_type(tenant_id, new.device_type_id)
        connected_by = self._gateway(tenant_id, new.connected_by, None)
        configuration = new.configuration
        self._check_configuration(dtype, configuration)
        now = self.sim.clock.now()
        device = Device(
            id=self.sim.random.uuid(),
            tenant_id=tenant_id,
            name=new.name,
            device_type_id=dtype.id,
            seq=self.store.next_seq,
            created_at=now,
            updated_at=now,
            description=new.description,
            tags=unique_lower(new.tags),
            aliases=list(dict.fromkeys(new.aliases)),
            connected_by=connected_by,
            location=new.location,
            coordinates=dict(new.coordinates),
            installation_timestamp=_time(new.installation_timestamp),
            configuration=configuration,
            custom=new.custom,
        )
        self.store.next_seq += 1
        self.store.devices.setdefault(tenant_id, {})[device.id] = device
        self.store.index(tenant_id).add(device)
        self.sim.bus.publish(DeviceCreated(tenant_id, device.id))
        if configuration:
            self._configuration_changed(device)
        return device

    def list_devices(self, tenant_id: str, device_filter: DeviceFilter = EVERY_DEVICE) -> Sequence[Device]:
        return self.select_devices(tenant_id, device_filter)

    @records_change("updateDevice", resource="device_id")
    def update_device(self, tenant_id: str, device_id: str, changes: DeviceChanges) -> Device:
        """Partial update; everything is checked before anything changes."""
        device = self.get_device(tenant_id, device_id)
        given = changes.given()
        info = {k: (CLEARED[k] if v is None and k in CLEARED else v) for k, v in given.items()}
        if "name" in info:
            _check_name(info["name"])
        dtype = self._device_type(tenant_id, info.get("device_type_id", device.device_type_id))
        connected_by = device.connected_by
        if "connected_by" in info:
            connected_by = self._gateway(tenant_id, info["connected_by"], device.id)
        configuration = device.configuration
        if "configuration" in given:
            configuration = merge_patch(device.configuration, given["configuration"] or {})
        if "configuration" in given or dtype.id != device.device_type_id:
            self._check_configuration(dtype, configuration)
        before = index_keys(device)
        device.device_type_id, device.connected_by = dtype.id, connected_by
        for key in ("name", "description", "location"):
            if key in info:
                setattr(device, key, info[key])
        if "tags" in info:
            device.tags = unique_lower(info["tags"])
        if "aliases" in info:
            device.aliases = list(dict.fromkeys(info["aliases"]))
        if "coordinates" in info:
            device.coordinates = dict(info["coordinates"])
        if "installation_timestamp" in info:
            device.installation_timestamp = _time(info["installation_timestamp"])
        if "custom" in given:
            device.custom = merge_patch(device.custom, given["custom"] or {})
        changed = configuration != device.configuration
        device.configuration = configuration
        device.changed(self.sim.clock.now())
        self.store.index(tenant_id).refile(device, before)
        if changed:
            self._configuration_changed(device)
        return device

    @records_change("deleteDevice", resource="device_id")
    def delete_device(self, tenant_id: str, device_id: str) -> None:
        """Remove the device with its state, certificates, events, diagnostics and timeseries."""
        device = self.get_device(tenant_id, device_id)
        index = self.store.index(tenant_id)
        index.remove(device)
        del self.store.devices[tenant_id][device.id]
        for child in self.connected_devices(tenant_id, device.id):
            index.remove(child)
            child.connected_by = None  # no dangling gateway references
            child.changed(self.sim.clock.now())
            index.add(child)
        self.sim.certificates.forget_device(tenant_id, device.id)
        self.sim.events.forget_device(device.id)
        forget_timeseries = getattr(self.sim.timeseries, "forget_device", None)
        if forget_timeseries is not None:
            forget_timeseries(device.id)
        self.sim.bus.publish(DeviceDeleted(tenant_id, device.id))

    # ------------------------------------------------------------------ rules

    def _device_type(self, tenant_id: str, type_id: str) -> DeviceType:
        dtype = self.sim.device_types.find_device_type(tenant_id, type_id)
        if dtype is None:
            raise UnprocessableEntity(
                f"The device type {type_id} was not found",
                code="DEVICE_TYPE_NOT_FOUND",
                details=[{"path": "body.info.deviceTypeId", "message": "no such device type"}],
            )
        return dtype

    def _gateway(self, tenant_id: str, gateway_id: str | None, device_id: str | None) -> str | None:
        """The checked `connectedBy`: an existing device, not the device itself, no loop."""
        if gateway_id is None:
            return None
        gateway = self.find_device(tenant_id, gateway_id)
        if gateway is None:
            raise UnprocessableEntity(
                "The device to use as connectedBy was not found.",
                code="CONNECTED_BY_NOT_FOUND",
                details=[{"path": "body.info.connectedBy", "message": "no such device"}],
            )
        hop: Device | None = gateway
        while hop is not None:
            if hop.id == device_id:
                raise BadRequest(
                    "connectedBy would make the device its own gateway",
                    code="CONNECTED_BY_LOOP",
                    details=[{"path": "body.info.connectedBy", "message": "creates a loop"}],
                )
            hop = self.find_device(tenant_id, hop.connected_by) if hop.connected_by else None
        return gateway.id

    @staticmethod
    def _check_configuration(dtype: DeviceType, configuration: dict[str, Any]) -> None:
        problems = dtype.section_problems("configuration", configuration, "body.configuration")
        if problems:
            raise BadRequest(
                "The configuration does not match the device type's configuration schema",
                code="SCHEMA_VALIDATION_FAILED",
                details=problems,
            )

    def _configuration_changed(self, device: Device) -> None:
        self.sim.bus.publish(
            DeviceConfigurationChanged(device.tenant_id, device.id, device.configuration, tuple(device.aliases))
        )


def _check_name(name: Any) -> None:
    """In-process callers skip the contract, so the one rule it states for devices is checked here too."""
    if not isinstance(name, str) or not name:
        raise BadRequest("A device needs a non-empty name", details=[{"path": "body.info.name", "message": "empty"}])


def _time(value: str | datetime | None) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_time(value) if value else None
