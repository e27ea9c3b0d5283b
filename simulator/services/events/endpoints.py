"""HTTP reads of a device's last-hour events and diagnostics (the pipeline fills the stores)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import ok


@operation("listDeviceLastEvents")
async def list_device_last_events(call: Call) -> Response:
    device = call.sim.devices.get_device(call.tenant_id, call.path["deviceId"])
    return ok(call.sim.events.last_events(device.id, call.query.get("eventTypes")))


@operation("listDeviceLastDiagnostics")
async def list_device_last_diagnostics(call: Call) -> Response:
    device = call.sim.devices.get_device(call.tenant_id, call.path["deviceId"])
    return ok(call.sim.events.last_diagnostics(device.id))
