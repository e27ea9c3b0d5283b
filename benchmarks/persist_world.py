"""Build a big world quickly (for the persistence benchmark and its tests)."""

from __future__ import annotations

from simulator.runtime import Simulator
from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.inputs import NewDevice

SCHEMA = {"attributes": {"temperature": {"type": "number"}}}
RULES = [{"path": "$.attributes.temperature", "reportTo": ["timeseries"]}]


def build_world(sim: Simulator, devices: int, points: int) -> list[str]:
    """`devices` devices of one type, and `points` timeseries points spread evenly over them."""
    tenant = sim.world.tenant_id
    new_type = NewDeviceType.from_api({"name": "Sensor", "schema": SCHEMA, "reportingRules": RULES})
    dtype = sim.device_types.create_device_type(tenant, new_type)
    news = (NewDevice.from_api({"info": {"name": f"d{i}", "deviceTypeId": dtype.id}}) for i in range(devices))
    ids = [sim.devices.create_device(tenant, new).id for new in news]
    start = sim.clock.time() - points
    per = max(1, points // max(1, devices))
    made = 0
    for device_id in ids:
        for k in range(per):
            if made >= points:
                break
            sim.timeseries.append(tenant, device_id, "$.attributes.temperature", start + made, 20.0 + k % 7)
            made += 1
    return ids
