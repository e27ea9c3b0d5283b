"""Actions: validated against the device type's `schema.actions`, delivered by the MQTT bridge.

The backend only checks and announces (`DeviceActionRequested` on the bus, one per device);
whoever delivers the message subscribes to that event.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.core.errors import BadRequest
from simulator.core.events import DeviceActionRequested
from simulator.services.devices.base import DevicesBase
from simulator.services.devices.filters import DeviceFilter

if TYPE_CHECKING:
    from simulator.services.device_types.models import DeviceType
    from simulator.services.devices.models import Device


class DeviceActionOperations(DevicesBase):
    """Single and bulk action operations of DevicesBackend."""

    def _type_of(self, device: Device) -> DeviceType:
        return self.sim.device_types.get_device_type(device.tenant_id, device.device_type_id)

    def _send_action(self, device: Device, action: str, payload: Any) -> str:
        action_id = self.sim.random.uuid()
        self.sim.bus.publish(
            DeviceActionRequested(device.tenant_id, device.id, action_id, action, payload, tuple(device.aliases))
        )
        return action_id

    @records_change("createDeviceAction", resource="device_id")
    def create_device_action(self, tenant_id: str, device_id: str, action: str, payload: dict[str, Any]) -> str:
        """The action id; 400 with details when the type does not accept the payload."""
        device = self.get_device(tenant_id, device_id)
        problems = self._type_of(device).action_problems(action, payload, "body.payload")
        if problems:
            raise BadRequest(
                f"The payload does not match the schema of action {action!r}",
                code="SCHEMA_VALIDATION_FAILED",
                details=problems,
            )
        return self._send_action(device, action, payload)

    @records_change("createBulkDeviceActions")
    def create_bulk_device_actions(
        self, tenant_id: str, action: str, payload: dict[str, Any], device_filter: DeviceFilter
    ) -> dict[str, str]:
        """device id -> action id for every matching device whose type accepts the action."""
        sent: dict[str, str] = {}
        for device in list(self.select_devices(tenant_id, device_filter)):
            if not self._type_of(device).action_problems(action, payload):
                sent[device.id] = self._send_action(device, action, payload)
        return sent
