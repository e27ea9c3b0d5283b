"""The reported state of a device (digital twin) and its online monitoring.

State holds what the device reported, per key with the time of the report, apart from the
desired configuration on the device. Online status is derived at read time from the last
contact and the effective communication interval (facts D.16), on the simulator clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.core.clock import iso
from simulator.core.errors import Forbidden
from simulator.services.devices.base import EVERY_DEVICE, DevicesBase
from simulator.services.devices.filters import DeviceFilter

if TYPE_CHECKING:
    from simulator.services.devices.models import Device

KINDS = ("attributes", "configuration")


@dataclass(slots=True)
class DeviceState:
    attributes: dict[str, Any] = field(default_factory=dict)
    configuration: dict[str, Any] = field(default_factory=dict)
    attributes_updated_at: dict[str, datetime] = field(default_factory=dict)
    configuration_updated_at: dict[str, datetime] = field(default_factory=dict)

    def merge(self, kind: str, value: dict[str, Any], time: datetime) -> None:
        """Later reports win per key; a report older than the stored one for a key leaves it alone."""
        if kind == "attributes":
            values, times = self.attributes, self.attributes_updated_at
        else:
            values, times = self.configuration, self.configuration_updated_at
        for key, item in value.items():
            known = times.get(key)
            if known is None or time >= known:
                values[key] = item
                times[key] = time


class DeviceStateOperations(DevicesBase):
    """State, contact and online monitoring operations of DevicesBackend."""

    def touch(self, tenant_id: str, device_id: str) -> None:
        """The device was heard from now (accepted message or MQTT connect)."""
        device = self.find_device(tenant_id, device_id)
        if device is not None:
            device.last_seen = self.sim.clock.time()

    def apply_reported(
        self, tenant_id: str, device_id: str, kind: str, value: dict[str, Any], time: datetime
    ) -> DeviceState:
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        state = self.get_device(tenant_id, device_id).state
        state.merge(kind, value, time)
        return state

    def effective_interval(self, device: Device) -> int | None:
        """The device's interval if set, else its type's; None or 0 means monitoring is off."""
        if device.communication_interval is not None:
            return device.communication_interval
        dtype = self.sim.device_types.find_device_type(device.tenant_id, device.device_type_id)
        return dtype.communication_interval if dtype else None

    def is_online(self, device: Device) -> bool | None:
        """None while monitoring is off; otherwise heard from within the interval."""
        interval = self.effective_interval(device)
        if not interval:
            return None
        return device.last_seen is not None and self.sim.clock.time() - device.last_seen <= interval

    def state_to_api(self, device: Device) -> dict[str, Any]:
        state = device.state
        return {
            "deviceId": device.id,
            "attributes": state.attributes,
            "configuration": state.configuration,
            "attributesUpdatedAt": {k: iso(v) for k, v in state.attributes_updated_at.items()},
            "configurationUpdatedAt": {k: iso(v) for k, v in state.configuration_updated_at.items()},
            "lastSeen": _seen(device),
            "online": self.is_online(device),
        }

    def get_device_state(self, tenant_id: str, device_id: str) -> dict[str, Any]:
        return self.state_to_api(self.get_device(tenant_id, device_id))

    def list_device_states(self, tenant_id: str, device_filter: DeviceFilter = EVERY_DEVICE) -> Sequence[Device]:
        """The devices whose states are listed (newest first); render each with `state_to_api`."""
        return self.select_devices(tenant_id, device_filter)

    def _monitored(self, tenant_id: str, device_id: str) -> Device:
        """Online monitoring answers 403 for unknown devices ("Forbidden or not found", facts A.3)."""
        device = self.find_device(tenant_id, device_id)
        if device is None:
            raise Forbidden(f"Device {device_id} was not found or you do not have access to it")
        return device

    def monitoring_to_api(self, device: Device) -> dict[str, Any]:
        return {
            "communicationInterval": device.communication_interval,
            "effectiveCommunicationInterval": self.effective_interval(device),
            "online": self.is_online(device),
            "lastSeen": _seen(device),
        }

    def get_device_online_monitoring(self, tenant_id: str, device_id: str) -> dict[str, Any]:
        return self.monitoring_to_api(self._monitored(tenant_id, device_id))

    @records_change("updateDeviceOnlineMonitoring", resource="device_id")
    def update_device_online_monitoring(self, tenant_id: str, device_id: str, interval: int | None) -> dict[str, Any]:
        device = self._monitored(tenant_id, device_id)
        device.communication_interval = interval
        device.changed(self.sim.clock.now())
        return self.monitoring_to_api(device)


def _seen(device: Device) -> str | None:
    return iso(datetime.fromtimestamp(device.last_seen, UTC)) if device.last_seen is not None else None
