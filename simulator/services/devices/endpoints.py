"""HTTP endpoints of the devices area (devices, state, online monitoring, actions)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import accepted, no_content, ok, ok_json, paged, paged_json
from simulator.core.filters import query_or_body
from simulator.services.devices.filters import BODY_KEYS, DeviceFilter
from simulator.services.devices.inputs import DeviceChanges, NewDevice
from simulator.services.devices.models import Device


@operation("createDevice")
async def create_device(call: Call) -> Response:
    return ok_json(call.sim.devices.create_device(call.tenant_id, NewDevice.from_api(call.body)).to_json(), 201)


@operation("listDevices")
async def list_devices(call: Call) -> Response:
    device_filter = DeviceFilter.from_api(query_or_body(call.query, call.body, BODY_KEYS))
    found = call.sim.devices.list_devices(call.tenant_id, device_filter)
    return paged_json(found, call.page, call.page_size, Device.to_json)


@operation("getDevice")
async def get_device(call: Call) -> Response:
    return ok(call.sim.devices.get_device(call.tenant_id, call.path["deviceId"]).to_api())


@operation("updateDevice")
async def update_device(call: Call) -> Response:
    changes = DeviceChanges.from_api(call.body)
    return ok(call.sim.devices.update_device(call.tenant_id, call.path["deviceId"], changes).to_api())


@operation("deleteDevice")
async def delete_device(call: Call) -> Response:
    call.sim.devices.delete_device(call.tenant_id, call.path["deviceId"])
    return no_content()


@operation("updateDeviceOnlineMonitoring")
async def update_device_online_monitoring(call: Call) -> Response:
    interval = call.body["communicationInterval"]
    return ok(call.sim.devices.update_device_online_monitoring(call.tenant_id, call.path["deviceId"], interval))


@operation("getDeviceOnlineMonitoring")
async def get_device_online_monitoring(call: Call) -> Response:
    return ok(call.sim.devices.get_device_online_monitoring(call.tenant_id, call.path["deviceId"]))


@operation("createDeviceAction")
async def create_device_action(call: Call) -> Response:
    body = call.body
    action_id = call.sim.devices.create_device_action(
        call.tenant_id, call.path["deviceId"], body["action"], body["payload"]
    )
    return accepted({"actionId": action_id})


@operation("createBulkDeviceActions")
async def create_bulk_device_actions(call: Call) -> Response:
    body = call.body
    sent = call.sim.devices.create_bulk_device_actions(
        call.tenant_id, body["action"], body["payload"], DeviceFilter.from_api(body["deviceFilter"])
    )
    return accepted({"actionIds": sent})


@operation("getDeviceState")
async def get_device_state(call: Call) -> Response:
    return ok(call.sim.devices.get_device_state(call.tenant_id, call.path["deviceId"]))


@operation("listDeviceStates")
async def list_device_states(call: Call) -> Response:
    devices = call.sim.devices
    device_filter = DeviceFilter.from_api(query_or_body(call.query, call.body, BODY_KEYS))
    found = devices.list_device_states(call.tenant_id, device_filter)
    return paged(found, call.page, call.page_size, devices.state_to_api)
