"""The devices backend's typed inputs: the API's bodies translate in one place, Python builds them directly."""

from __future__ import annotations

from simulator.services.device_types.inputs import DeviceTypeChanges, NewDeviceType
from simulator.services.devices.inputs import UNSET, DeviceChanges, NewDevice
from simulator.testing import SimHandle


def test_a_patch_body_keeps_absent_and_null_apart() -> None:
    changes = DeviceChanges.from_api({"info": {"name": "n", "location": None, "tags": ["x"]}, "tags": ["Top"]})
    assert changes.given() == {"name": "n", "location": None, "tags": ["Top"]}
    assert changes.configuration is UNSET
    assert DeviceChanges.from_api({"configuration": None}).given() == {"configuration": None}


def test_a_create_body_gets_the_api_defaults() -> None:
    new = NewDevice.from_api({"info": {"name": "d", "deviceTypeId": "t", "connectedBy": None}})
    assert new == NewDevice("d", "t")


def test_python_and_http_make_the_same_device(olt_sim: SimHandle) -> None:
    api, sim, tenant = olt_sim.client(), olt_sim.sim, olt_sim.tenant_id
    type_id = api.post("/device-types", json={"name": "T", "schema": {}}).json()["data"]["id"]
    info = {"name": "d", "deviceTypeId": type_id, "tags": ["A"], "location": "here"}
    over_http = api.post("/devices", json={"info": info}).json()["data"]
    in_process = olt_sim.call(
        lambda: sim.devices.create_device(tenant, NewDevice("d", type_id, tags=["A"], location="here")).to_api()
    )
    same = ("info", "configuration", "custom", "tenantId")
    assert {k: in_process[k] for k in same} == {k: over_http[k] for k in same}
    patched = olt_sim.call(lambda: sim.devices.update_device(tenant, in_process["id"], DeviceChanges(location=None)))
    assert patched.location == ""


def test_device_type_changes_name_only_what_was_sent() -> None:
    changes = DeviceTypeChanges.from_api({"reportingRules": None, "communicationInterval": 5, "unknown": 1})
    assert changes.given() == {"reporting_rules": None, "communication_interval": 5}
    new = NewDeviceType.from_api({"name": "T", "schema": None, "reportingRules": [{"path": "$.a"}]})
    assert new == NewDeviceType("T", {}, reporting_rules=[{"path": "$.a"}])
