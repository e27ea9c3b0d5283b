"""HTTP endpoints of firmwares, slot associations and firmware installations."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import created, no_content, ok, paged
from simulator.services.firmware.installations import InstallationChanges


@operation("createFirmware")
async def create_firmware(call: Call) -> Response:
    body = call.body
    firmware = call.sim.firmware.create_firmware(
        call.tenant_id, body["name"], body.get("description"), body.get("version")
    )
    return created(call.sim.firmware.to_api(firmware))


@operation("listFirmwares")
async def list_firmwares(call: Call) -> Response:
    backend = call.sim.firmware
    return paged(backend.list_firmwares(call.tenant_id), call.page, call.page_size, backend.to_api)


@operation("getFirmware")
async def get_firmware(call: Call) -> Response:
    backend = call.sim.firmware
    return ok(backend.to_api(backend.get_firmware(call.tenant_id, call.path["id"])))


@operation("deleteFirmware")
async def delete_firmware(call: Call) -> Response:
    call.sim.firmware.delete_firmware(call.tenant_id, call.path["id"])
    return no_content()


@operation("uploadFirmwareBlob")
async def upload_firmware_blob(call: Call) -> Response:
    backend = call.sim.firmware
    content_type = call.request.headers.get("content-type", "application/octet-stream").split(";")[0].strip()
    firmware = backend.upload_firmware_blob(call.tenant_id, call.path["id"], call.body or b"", content_type)
    return ok(backend.to_api(firmware))


@operation("downloadFirmwareBlob")
async def download_firmware_blob(call: Call) -> Response:
    return RedirectResponse(call.sim.firmware.download_link(call.tenant_id, call.path["id"]), status_code=302)


@operation("createSlotFirmwareAssociation")
async def create_slot_firmware_association(call: Call) -> Response:
    association = call.sim.firmware.create_slot_firmware_association(
        call.tenant_id, call.path["deviceTypeId"], call.path["slotName"], call.body["firmwareId"]
    )
    return created(association.to_api())


@operation("listSlotFirmwares")
async def list_slot_firmwares(call: Call) -> Response:
    found = call.sim.firmware.list_slot_firmwares(call.tenant_id, call.path["deviceTypeId"], call.path["slotName"])
    return ok([a.to_api() for a in found])


@operation("deleteSlotFirmwareAssociation")
async def delete_slot_firmware_association(call: Call) -> Response:
    call.sim.firmware.delete_slot_firmware_association(
        call.tenant_id, call.path["deviceTypeId"], call.path["slotName"], call.path["associationId"]
    )
    return no_content()


@operation("createFirmwareInstallation")
async def create_firmware_installation(call: Call) -> Response:
    installation = call.sim.firmware.installations.create_firmware_installation(
        call.tenant_id, call.path["deviceId"], call.body["firmwareId"], call.body["slot"]
    )
    return created(installation.to_api())


@operation("listFirmwareInstallations")
async def list_firmware_installations(call: Call) -> Response:
    found = call.sim.firmware.installations.list_firmware_installations(
        call.tenant_id, call.path["deviceId"], bool(call.query.get("latestOnly", False))
    )
    return ok([i.to_api() for i in found])


@operation("getFirmwareInstallation")
async def get_firmware_installation(call: Call) -> Response:
    installation = call.sim.firmware.installations.get_firmware_installation(
        call.tenant_id, call.path["deviceId"], call.path["installationId"]
    )
    return ok(installation.to_api())


@operation("updateFirmwareInstallation")
async def update_firmware_installation(call: Call) -> Response:
    installation = call.sim.firmware.installations.update_firmware_installation(
        call.tenant_id, call.path["deviceId"], call.path["installationId"], InstallationChanges.from_api(call.body)
    )
    return ok(installation.to_api())
