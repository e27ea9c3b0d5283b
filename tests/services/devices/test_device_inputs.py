"""The devices backend's typed inputs: the API's bodies translate in one place, Python builds them directly."""

from __future__ import annotations

from simulator.services.device_types.inputs import DeviceTypeChanges, DeviceTypeFilter, NewDeviceType
from simulator.services.devices.filters import API_FIELDS, DeviceFilter
from simulator.services.devices.inputs import UNSET, DeviceChanges, NewDevice
from simulator.testing import SimHandle

LIGHT = "https://example.com/categories/light"


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


def test_a_device_filter_body_and_the_typed_filter_agree() -> None:
    body = {key: ["Some-Value", "X*"] for key in API_FIELDS}
    typed = DeviceFilter(**{name: ["Some-Value", "X*"] for name in API_FIELDS.values()})
    assert DeviceFilter.from_api(body) == typed
    assert typed.tags == ("some-value", "x*") and typed.type_categories == ("Some-Value", "X*")  # categories keep case
    assert DeviceFilter.from_api({"deviceTag": "Lone"}) == DeviceFilter(tags="lone") == DeviceFilter(tags=["LONE"])
    assert DeviceFilter.from_api({"deviceTag": [], "deviceName": None}) == DeviceFilter() and not DeviceFilter()


def test_python_and_http_list_the_same_devices_and_types(olt_sim: SimHandle) -> None:
    api, sim, tenant = olt_sim.client(), olt_sim.sim, olt_sim.tenant_id
    lamp = api.post("/device-types", json={"name": "Lamp", "schema": {}, "categories": [LIGHT]}).json()["data"]["id"]
    api.post("/device-types", json={"name": "Meter", "schema": {}})
    for name, tags in (("a", ["Hall"]), ("b", ["hall", "top"]), ("c", ["top"])):
        api.post("/devices", json={"info": {"name": name, "deviceTypeId": lamp, "tags": tags}})
    over_http = [d["info"]["name"] for d in api.get("/devices", params={"deviceTag": "HALL"}).json()["data"]]
    in_process = olt_sim.call(lambda: [d.name for d in sim.devices.list_devices(tenant, DeviceFilter(tags=["hall"]))])
    assert in_process == over_http == ["b", "a"]
    types_over_http = [t["id"] for t in api.get("/device-types", params={"deviceTypeCategory": LIGHT}).json()["data"]]
    typed = DeviceTypeFilter(categories=[LIGHT])
    assert olt_sim.call(lambda: [t.id for t in sim.device_types.list_device_types(tenant, typed)]) == types_over_http
    assert types_over_http == [lamp]
