"""Firmware metadata with one attachable blob, and its association with device-type slots (facts D.11).

A firmware without a blob is discarded 5 simulated minutes after its creation; this is evaluated
lazily on every access (no timer, so snapshots and stepped clocks need nothing special).
Installations live in installations.py and hang off this backend as `sim.firmware.installations`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.core.clock import iso
from simulator.core.errors import BadRequest, Locked, NotFound, UnprocessableEntity, not_found
from simulator.services.backend import Backend
from simulator.services.firmware.installations import Installation, InstallationsBackend

if TYPE_CHECKING:
    from simulator.runtime import Simulator

BLOBLESS_LIFETIME_SECONDS = 300
BLOB_CONTENT_PATH = "/v1/firmwares/{id}/blob/content"


@dataclass
class Firmware:
    id: str
    tenant_id: str
    name: str
    description: str | None
    version: str | None
    created_at: datetime
    updated_at: datetime
    blob: bytes | None = None
    checksum: str | None = None
    content_type: str | None = None

    def download_link(self, base_url: str) -> str | None:
        return base_url + BLOB_CONTENT_PATH.format(id=self.id) if self.blob is not None else None

    def to_api(self, base_url: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "version": self.version,
            "size": len(self.blob) if self.blob is not None else None,
            "checksum": self.checksum,
            "contentType": self.content_type,
            "downloadLink": self.download_link(base_url),
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }


@dataclass
class SlotAssociation:
    id: str
    device_type_id: str
    slot_name: str
    firmware_id: str
    created_at: datetime

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "deviceTypeId": self.device_type_id,
            "slotName": self.slot_name,
            "firmwareId": self.firmware_id,
            "createdAt": iso(self.created_at),
        }


@dataclass
class FirmwareStore:
    #: tenant id -> firmware id -> firmware, in creation order
    firmwares: dict[str, dict[str, Firmware]] = field(default_factory=dict)
    #: tenant id -> association id -> association, in creation order
    associations: dict[str, dict[str, SlotAssociation]] = field(default_factory=dict)
    #: tenant id -> device id -> installation id -> installation, in creation order
    installations: dict[str, dict[str, dict[str, Installation]]] = field(default_factory=dict)


class FirmwareBackend(Backend[FirmwareStore]):
    store_field = "firmware"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self.installations = InstallationsBackend(sim)

    def to_api(self, firmware: Firmware) -> dict[str, Any]:
        return firmware.to_api(self.sim.base_url)

    # ------------------------------------------------------------------ firmware

    def _tenant_firmwares(self, tenant_id: str) -> dict[str, Firmware]:
        """The tenant's firmwares, after dropping the ones that stayed without a blob too long."""
        firmwares = self.store.firmwares.get(tenant_id)
        if not firmwares:
            return {}
        cutoff = self.sim.clock.time() - BLOBLESS_LIFETIME_SECONDS
        expired = [f.id for f in firmwares.values() if f.blob is None and f.created_at.timestamp() <= cutoff]
        for firmware_id in expired:
            self._forget(tenant_id, firmware_id)
        return firmwares

    def _forget(self, tenant_id: str, firmware_id: str) -> None:
        self.store.firmwares.get(tenant_id, {}).pop(firmware_id, None)
        associations = self.store.associations.get(tenant_id, {})
        for association_id in [a.id for a in associations.values() if a.firmware_id == firmware_id]:
            del associations[association_id]

    @records_change("createFirmware", created=True)
    def create_firmware(self, tenant_id: str, name: str, description: str | None, version: str | None) -> Firmware:
        now = self.sim.clock.now()
        firmware = Firmware(self.sim.random.uuid(), tenant_id, name, description, version, now, now)
        self.store.firmwares.setdefault(tenant_id, {})[firmware.id] = firmware
        return firmware

    def list_firmwares(self, tenant_id: str) -> list[Firmware]:
        """Newest first."""
        return list(reversed(self._tenant_firmwares(tenant_id).values()))

    def get_firmware(self, tenant_id: str, firmware_id: str) -> Firmware:
        firmware = self._tenant_firmwares(tenant_id).get(firmware_id)
        if firmware is None:
            raise not_found("Firmware", firmware_id)
        return firmware

    @records_change("deleteFirmware", resource="firmware_id")
    def delete_firmware(self, tenant_id: str, firmware_id: str) -> None:
        self.get_firmware(tenant_id, firmware_id)
        self._forget(tenant_id, firmware_id)

    @records_change("uploadFirmwareBlob", resource="firmware_id")
    def upload_firmware_blob(self, tenant_id: str, firmware_id: str, data: bytes, content_type: str) -> Firmware:
        firmware = self.get_firmware(tenant_id, firmware_id)
        if firmware.blob is not None:
            raise Locked(
                f"Firmware {firmware_id} already has a blob; it cannot be changed or replaced", code="BLOB_LOCKED"
            )
        if not data:
            raise BadRequest("The blob must not be empty")
        firmware.blob = bytes(data)
        firmware.checksum = hashlib.sha256(firmware.blob).hexdigest()
        firmware.content_type = content_type
        firmware.updated_at = self.sim.clock.now()
        return firmware

    def download_link(self, tenant_id: str, firmware_id: str) -> str:
        link = self.get_firmware(tenant_id, firmware_id).download_link(self.sim.base_url)
        if link is None:
            raise NotFound(f"Firmware {firmware_id} has no blob attached yet")
        return link

    def blob_content(self, firmware_id: str) -> Firmware | None:
        """The firmware behind a download link (links are unauthenticated, like pre-signed URLs)."""
        for tenant_id, firmwares in self.store.firmwares.items():
            if firmware_id in firmwares:
                found = self._tenant_firmwares(tenant_id).get(firmware_id)
                return found if found is not None and found.blob is not None else None
        return None

    # ------------------------------------------------------------------ slot associations

    def _slot(self, tenant_id: str, device_type_id: str, slot_name: str) -> None:
        device_type = self.sim.device_types.get_device_type(tenant_id, device_type_id)
        if slot_name not in (device_type.slots or {}):
            raise NotFound(f"Device type {device_type_id} has no slot {slot_name!r}")

    @records_change("createSlotFirmwareAssociation", created=True, resource="slot_name")
    def create_slot_firmware_association(
        self, tenant_id: str, device_type_id: str, slot_name: str, firmware_id: str
    ) -> SlotAssociation:
        self._slot(tenant_id, device_type_id, slot_name)
        if firmware_id not in self._tenant_firmwares(tenant_id):
            raise UnprocessableEntity(f"Firmware {firmware_id} was not found", code="FIRMWARE_NOT_FOUND")
        if any(a.firmware_id == firmware_id for a in self._associations(tenant_id, device_type_id, slot_name)):
            raise BadRequest(f"Firmware {firmware_id} is already associated with slot {slot_name!r}")
        association = SlotAssociation(
            self.sim.random.uuid(), device_type_id, slot_name, firmware_id, self.sim.clock.now()
        )
        self.store.associations.setdefault(tenant_id, {})[association.id] = association
        return association

    def _associations(self, tenant_id: str, device_type_id: str, slot_name: str) -> list[SlotAssociation]:
        self._tenant_firmwares(tenant_id)  # drops associations of expired firmwares
        return [
            a
            for a in self.store.associations.get(tenant_id, {}).values()
            if a.device_type_id == device_type_id and a.slot_name == slot_name
        ]

    def list_slot_firmwares(self, tenant_id: str, device_type_id: str, slot_name: str) -> list[SlotAssociation]:
        """Newest first."""
        self._slot(tenant_id, device_type_id, slot_name)
        return list(reversed(self._associations(tenant_id, device_type_id, slot_name)))

    @records_change("deleteSlotFirmwareAssociation", resource="association_id")
    def delete_slot_firmware_association(
        self, tenant_id: str, device_type_id: str, slot_name: str, association_id: str
    ) -> None:
        self._slot(tenant_id, device_type_id, slot_name)
        if not any(a.id == association_id for a in self._associations(tenant_id, device_type_id, slot_name)):
            raise not_found("Slot firmware association", association_id)
        del self.store.associations[tenant_id][association_id]

    def is_associated(self, tenant_id: str, device_type_id: str, slot_name: str, firmware_id: str) -> bool:
        return any(a.firmware_id == firmware_id for a in self._associations(tenant_id, device_type_id, slot_name))
