"""HTTP endpoints of the device-types area (the slot-firmware operations belong to firmware)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import created, no_content, ok, paged
from simulator.core.filters import query_or_body
from simulator.services.device_types.inputs import DeviceTypeChanges, DeviceTypeFilter, NewDeviceType
from simulator.services.device_types.models import DeviceType

TYPE_FILTER_KEYS = ("deviceTypeName", "deviceTypeCategory", "deviceTypeId")


@operation("createDeviceType")
async def create_device_type(call: Call) -> Response:
    return created(call.sim.device_types.create_device_type(call.tenant_id, NewDeviceType.from_api(call.body)).to_api())


@operation("listDeviceTypes")
async def list_device_types(call: Call) -> Response:
    type_filter = DeviceTypeFilter.from_api(query_or_body(call.query, call.body, TYPE_FILTER_KEYS))
    types = call.sim.device_types.list_device_types(call.tenant_id, type_filter)
    return paged(types, call.page, call.page_size, DeviceType.to_api)


@operation("listDeviceTypeCategories")
async def list_device_type_categories(call: Call) -> Response:
    return ok(call.sim.device_types.list_device_type_categories(call.tenant_id))


@operation("getDeviceType")
async def get_device_type(call: Call) -> Response:
    return ok(call.sim.device_types.get_device_type(call.tenant_id, call.path["deviceTypeId"]).to_api())


@operation("updateDeviceType")
async def update_device_type(call: Call) -> Response:
    changes = DeviceTypeChanges.from_api(call.body)
    dtype = call.sim.device_types.update_device_type(call.tenant_id, call.path["deviceTypeId"], changes)
    return ok(dtype.to_api())


@operation("deleteDeviceType")
async def delete_device_type(call: Call) -> Response:
    call.sim.device_types.delete_device_type(call.tenant_id, call.path["deviceTypeId"])
    return no_content()


@operation("updateDeviceTypeOnlineMonitoring")
async def update_device_type_online_monitoring(call: Call) -> Response:
    backend, type_id = call.sim.device_types, call.path["deviceTypeId"]
    return ok(backend.update_device_type_online_monitoring(call.tenant_id, type_id, call.body["communicationInterval"]))


@operation("getDeviceTypeOnlineMonitoring")
async def get_device_type_online_monitoring(call: Call) -> Response:
    return ok(call.sim.device_types.get_device_type_online_monitoring(call.tenant_id, call.path["deviceTypeId"]))
