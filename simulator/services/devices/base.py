"""What every part of the devices backend shares: the store, and the lookups other areas use too.

The backend's operations are split by job (models.py: CRUD, state.py: reported state and online
monitoring, actions.py: actions); each part extends this base, so each sees the lookups it
calls as real methods instead of declaring what a sibling mixin will provide.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from typing import TYPE_CHECKING

from simulator.core.errors import not_found
from simulator.services.backend import Backend
from simulator.services.devices.filters import DeviceFilter

if TYPE_CHECKING:
    from simulator.services.devices.models import Device, DevicesStore  # noqa: F401  (the base below names it)

#: selects every device
EVERY_DEVICE = DeviceFilter()


class DevicesBase(Backend["DevicesStore"]):
    store_field = "devices"

    def devices_of(self, tenant_id: str) -> dict[str, Device]:
        return self.store.devices.get(tenant_id, {})

    def find_device(self, tenant_id: str, device_id: str) -> Device | None:
        devices = self.devices_of(tenant_id)
        return devices.get(device_id) or devices.get(device_id.lower())

    def get_device(self, tenant_id: str, device_id: str) -> Device:
        device = self.find_device(tenant_id, device_id)
        if device is None:
            raise not_found("Device", device_id)
        return device

    def find_by_alias(self, tenant_id: str, alias: str, connected_by: str | None = None) -> Device | None:
        """The oldest device with this alias (case-insensitive), optionally among a gateway's devices."""
        bucket = self.store.index(tenant_id).buckets["alias"].get(alias.lower(), {})
        return next((d for d in bucket.values() if connected_by is None or d.connected_by == connected_by), None)

    def connected_devices(self, tenant_id: str, gateway_id: str) -> list[Device]:
        return list(self.store.index(tenant_id).buckets["connected_by"].get(gateway_id, {}).values())

    def type_in_use(self, tenant_id: str, type_id: str) -> bool:
        return bool(self.store.index(tenant_id).buckets["type"].get(type_id))

    def mqtt_password(self, device_id: str) -> str:
        """The plain-MQTT password of a device: an HMAC of the seed, so it survives resets."""
        return hmac.new(str(self.sim.settings.seed).encode(), device_id.encode(), hashlib.sha256).hexdigest()

    def select_devices(self, tenant_id: str, device_filter: DeviceFilter = EVERY_DEVICE) -> Sequence[Device]:
        """Devices matching a DF, newest first (lists, dumps and bulk actions select through it)."""
        types = self.sim.device_types.types_of(tenant_id).values()
        return device_filter.select(self.devices_of(tenant_id), self.store.index(tenant_id), types)
