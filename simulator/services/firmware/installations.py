"""Firmware installations: a device is asked (over MQTT, via the bus) to install a firmware into a slot.

The device or its gateway reports progress with timestamps; the status is derived from them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.core.clock import iso, parse_time
from simulator.core.errors import BadRequest, not_found
from simulator.core.events import DeviceDeleted, FirmwareInstallationRequested
from simulator.core.patch import UNSET, Unset

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass
class Installation:
    id: str
    device_id: str
    firmware_id: str
    slot: str
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None = None
    completed_at: datetime | None = None
    rejected_at: datetime | None = None
    reject_reason: str | None = None

    @property
    def status(self) -> str:
        if self.rejected_at is not None:
            return "rejected"
        if self.completed_at is not None:
            return "completed"
        return "started" if self.started_at is not None else "pending"

    def to_api(self) -> dict[str, Any]:
        def stamp(moment: datetime | None) -> str | None:
            return iso(moment) if moment is not None else None

        return {
            "id": self.id,
            "deviceId": self.device_id,
            "firmwareId": self.firmware_id,
            "slot": self.slot,
            "status": self.status,
            "startedAt": stamp(self.started_at),
            "completedAt": stamp(self.completed_at),
            "rejectedAt": stamp(self.rejected_at),
            "rejectReason": self.reject_reason,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }


@dataclass(frozen=True)
class InstallationChanges:
    """PATCH /devices/{id}/firmware-installations/{id}: what the device reports about the installation."""

    started_at: str | datetime | Unset | None = UNSET
    completed_at: str | datetime | Unset | None = UNSET
    rejected_at: str | datetime | Unset | None = UNSET
    reject_reason: str | Unset | None = UNSET

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> InstallationChanges:
        names = {
            "startedAt": "started_at",
            "completedAt": "completed_at",
            "rejectedAt": "rejected_at",
            "rejectReason": "reject_reason",
        }
        return cls(**{attribute: body[key] for key, attribute in names.items() if key in body})


def _time(text: str | datetime | Unset | None, key: str) -> datetime | None:
    if text is None or isinstance(text, Unset):
        return None
    if isinstance(text, datetime):
        return text
    try:
        return parse_time(str(text))
    except ValueError:
        raise BadRequest(
            f"{key} is not an RFC 3339 date-time",
            details=[{"path": f"body.{key}", "message": f"{text!r} is not a date-time"}],
        ) from None


class InstallationsBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        sim.bus.subscribe(DeviceDeleted, self._on_device_deleted)

    def _on_device_deleted(self, event: DeviceDeleted) -> None:
        self.sim.state.firmware.installations.get(event.tenant_id, {}).pop(event.device_id, None)

    def _of_device(self, tenant_id: str, device_id: str) -> dict[str, Installation]:
        self.sim.devices.get_device(tenant_id, device_id)
        return self.sim.state.firmware.installations.get(tenant_id, {}).get(device_id, {})

    @records_change("createFirmwareInstallation", created=True, resource="device_id")
    def create_firmware_installation(self, tenant_id: str, device_id: str, firmware_id: str, slot: str) -> Installation:
        device = self.sim.devices.get_device(tenant_id, device_id)
        firmware = self.sim.firmware.get_firmware(tenant_id, firmware_id)
        device_type = self.sim.device_types.get_device_type(tenant_id, device.device_type_id)
        if slot not in (device_type.slots or {}):
            raise BadRequest(f"The device type of device {device_id} has no slot {slot!r}")
        if not self.sim.firmware.is_associated(tenant_id, device.device_type_id, slot, firmware_id):
            raise BadRequest(
                f"Firmware {firmware_id} is not associated with slot {slot!r} of device type "
                f"{device.device_type_id}; associate it first "
                f"(POST /device-types/{device.device_type_id}/slots/{slot}/firmwares)"
            )
        link = firmware.download_link(self.sim.base_url)
        if link is None:
            raise BadRequest(f"Firmware {firmware_id} has no blob attached; upload it first")
        now = self.sim.clock.now()
        installation = Installation(self.sim.random.uuid(), device_id, firmware_id, slot, now, now)
        by_device = self.sim.state.firmware.installations.setdefault(tenant_id, {})
        by_device.setdefault(device_id, {})[installation.id] = installation
        message = {
            "installationId": installation.id,
            "firmwareId": firmware.id,
            "slot": slot,
            "name": firmware.name,
            "version": firmware.version,
            "downloadLink": link,
        }
        self.sim.bus.publish(FirmwareInstallationRequested(tenant_id, device_id, message))
        return installation

    def list_firmware_installations(
        self, tenant_id: str, device_id: str, latest_only: bool = False
    ) -> list[Installation]:
        """Newest first; `latest_only`: per slot the installation completed last."""
        installations = list(reversed(self._of_device(tenant_id, device_id).values()))
        if not latest_only:
            return installations
        latest: dict[str, Installation] = {}
        for item in installations:
            if item.status != "completed" or item.completed_at is None:
                continue
            best = latest.get(item.slot)
            if best is None or (best.completed_at is not None and item.completed_at > best.completed_at):
                latest[item.slot] = item
        chosen = {i.id for i in latest.values()}
        return [i for i in installations if i.id in chosen]

    def get_firmware_installation(self, tenant_id: str, device_id: str, installation_id: str) -> Installation:
        installation = self._of_device(tenant_id, device_id).get(installation_id)
        if installation is None:
            raise not_found("Firmware installation", installation_id)
        return installation

    @records_change("updateFirmwareInstallation", resource="installation_id")
    def update_firmware_installation(
        self, tenant_id: str, device_id: str, installation_id: str, changes: InstallationChanges
    ) -> Installation:
        """PATCH: the given timestamps replace the stored ones; the result must tell one story."""
        installation = self.get_firmware_installation(tenant_id, device_id, installation_id)
        started = _time(changes.started_at, "startedAt") or installation.started_at
        completed = (
            installation.completed_at
            if isinstance(changes.completed_at, Unset)
            else _time(changes.completed_at, "completedAt")
        )
        rejected = (
            installation.rejected_at
            if isinstance(changes.rejected_at, Unset)
            else _time(changes.rejected_at, "rejectedAt")
        )
        reason = installation.reject_reason if isinstance(changes.reject_reason, Unset) else changes.reject_reason
        if completed is not None and rejected is not None:
            raise BadRequest("An installation cannot be both completed and rejected")
        for name, moment in (("completedAt", completed), ("rejectedAt", rejected)):
            if moment is not None and started is not None and moment < started:
                raise BadRequest(f"{name} must not be before startedAt")
        if reason is not None and rejected is None:
            raise BadRequest("rejectReason needs rejectedAt")
        installation.started_at, installation.completed_at = started, completed
        installation.rejected_at, installation.reject_reason = rejected, reason
        installation.updated_at = self.sim.clock.now()
        return installation
