"""Devices: create/get/patch/delete rules, bus events and the delete cascade."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from simulator.core.events import (
    CertificateInvalidated,
    DeviceConfigurationChanged,
    DeviceCreated,
    DeviceDeleted,
    DomainEvent,
)
from simulator.testing import SimHandle

MakeDevice = Callable[..., dict[str, Any]]
MISSING = "00000000-0000-4000-8000-000000000000"


def test_create_stores_every_info_field(api: httpx.Client, make_type: Callable[..., Any]) -> None:
    dtype = make_type()
    gateway = api.post("/devices", json={"info": {"name": "GW", "deviceTypeId": dtype["id"]}}).json()["data"]
    body = {
        "info": {
            "name": "Gateway North 1",
            "deviceTypeId": dtype["id"],
            "description": "under the orange pillow",
            "installationTimestamp": "1985-04-12T23:20:50.52Z",
            "tags": ["Living-Room", "living-room", "North"],
            "connectedBy": gateway["id"],
            "location": "siteA.buildingB",
            "aliases": ["frontdoor", "06-00-00-00-00-00"],
            "coordinates": {"latitude": 48.1, "longitude": 11.5},
        },
        "configuration": {"brightness": 60, "color": {"r": 1}},
        "custom": {"my": {}},
    }
    response = api.post("/devices", json=body)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["info"]["tags"] == ["living-room", "north"]
    assert data["info"]["installationTimestamp"] == "1985-04-12T23:20:50.520Z"
    assert data["info"]["aliases"] == ["frontdoor", "06-00-00-00-00-00"]
    assert data["info"]["connectedBy"] == gateway["id"]
    assert data["configuration"] == body["configuration"] and data["custom"] == {"my": {}}
    assert api.get(f"/devices/{data['id']}").json()["data"] == data


def test_minimal_device_has_empty_defaults(make_device: MakeDevice, olt_sim: SimHandle) -> None:
    data = make_device(name="Pi")
    assert data["info"] == {
        "name": "Pi",
        "deviceTypeId": data["info"]["deviceTypeId"],
        "description": "",
        "installationTimestamp": None,
        "tags": [],
        "connectedBy": None,
        "location": "",
        "aliases": [],
        "coordinates": {},
    }
    assert (data["configuration"], data["custom"], data["tenantId"]) == ({}, {}, olt_sim.tenant_id)


def test_unknown_device_type_and_gateway_are_422(api: httpx.Client, make_type: Callable[..., Any]) -> None:
    response = api.post("/devices", json={"info": {"name": "x", "deviceTypeId": MISSING}})
    assert response.status_code == 422 and response.json()["errorCode"] == "DEVICE_TYPE_NOT_FOUND"
    dtype = make_type()
    response = api.post("/devices", json={"info": {"name": "x", "deviceTypeId": dtype["id"], "connectedBy": MISSING}})
    assert response.status_code == 422 and response.json()["errorCode"] == "CONNECTED_BY_NOT_FOUND"
    assert api.get("/devices").json()["meta"]["itemsTotal"] == 0


def test_configuration_is_validated_against_the_type(api: httpx.Client, make_type: Callable[..., Any]) -> None:
    dtype = make_type()
    body = {"info": {"name": "x", "deviceTypeId": dtype["id"]}, "configuration": {"brightness": "max", "color": {}}}
    response = api.post("/devices", json=body)
    assert response.status_code == 400
    error = response.json()
    assert error["errorCode"] == "SCHEMA_VALIDATION_FAILED"
    assert [d["path"] for d in error["details"]] == ["body.configuration.brightness", "body.configuration.color"]


def test_invalid_bodies_are_400(api: httpx.Client, make_type: Callable[..., Any]) -> None:
    dtype = make_type()
    assert api.post("/devices", json={"info": {"deviceTypeId": dtype["id"]}}).status_code == 400
    assert api.post("/devices", json={"info": {"name": "x", "deviceTypeId": "nope"}}).status_code == 400
    bad_time = {"info": {"name": "x", "deviceTypeId": dtype["id"], "installationTimestamp": "yesterday"}}
    assert api.post("/devices", json=bad_time).status_code == 400


def test_patch_is_partial_and_null_clears(api: httpx.Client, make_device: MakeDevice, olt_sim: SimHandle) -> None:
    device = make_device(
        description="d",
        location="here",
        tags=["a"],
        aliases=["x"],
        coordinates={"latitude": 1},
        installationTimestamp="2020-01-01T00:00:00Z",
        configuration={"brightness": 10, "color": {"r": 1}},
    )
    api.patch(f"/devices/{device['id']}", json={"custom": {"keep": 1, "drop": 2}})
    olt_sim.advance(5)
    patch = {
        "info": {
            "name": "renamed",
            "description": None,
            "location": None,
            "aliases": None,
            "coordinates": None,
            "installationTimestamp": None,
        },
        "tags": ["B", "C"],
        "configuration": {"brightness": None, "color": {"r": 2}},
        "custom": {"drop": None},
    }
    response = api.patch(f"/devices/{device['id']}", json=patch)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["info"] == {
        **device["info"],
        "name": "renamed",
        "description": "",
        "location": "",
        "aliases": [],
        "coordinates": {},
        "installationTimestamp": None,
        "tags": ["b", "c"],
    }
    assert data["configuration"] == {"color": {"r": 2}} and data["custom"] == {"keep": 1}
    assert data["updatedAt"] > device["updatedAt"] and data["createdAt"] == device["createdAt"]
    info_tags = api.patch(f"/devices/{device['id']}", json={"info": {"tags": ["Z"]}}).json()["data"]
    assert info_tags["info"]["tags"] == ["z"]
    assert api.get("/devices").json()["data"] == [info_tags]  # the list does not serve a stale encoding
    olt_sim.advance(1)
    api.patch(f"/devices/{device['id']}/onlinemonitoring", json={"communicationInterval": 60})
    assert api.get("/devices").json()["data"][0]["updatedAt"] > info_tags["updatedAt"]


def test_patch_checks_everything_before_changing_anything(api: httpx.Client, make_device: MakeDevice) -> None:
    device = make_device(configuration={"brightness": 10})
    url = f"/devices/{device['id']}"
    assert api.patch(url, json={"info": {"name": "n"}, "configuration": {"brightness": 1000}}).status_code == 400
    assert api.patch(url, json={"info": {"name": "n", "connectedBy": MISSING}}).status_code == 422
    assert api.patch(url, json={"info": {"name": "n", "deviceTypeId": MISSING}}).status_code == 422
    assert api.get(url).json()["data"] == device


def test_changing_the_type_revalidates_the_configuration(
    api: httpx.Client, make_device: MakeDevice, make_type: Callable[..., Any]
) -> None:
    strict = make_type(schema={"configuration": {"additionalProperties": False}})
    device = make_device(configuration={"brightness": 10})
    response = api.patch(f"/devices/{device['id']}", json={"info": {"deviceTypeId": strict["id"]}})
    assert response.status_code == 400
    ok = api.patch(
        f"/devices/{device['id']}", json={"info": {"deviceTypeId": strict["id"]}, "configuration": {"brightness": None}}
    )
    assert ok.status_code == 200 and ok.json()["data"]["info"]["deviceTypeId"] == strict["id"]


def test_connected_by_may_not_loop(api: httpx.Client, make_device: MakeDevice) -> None:
    a = make_device(name="a")
    b = make_device(name="b", connectedBy=a["id"])
    c = make_device(name="c", connectedBy=b["id"])
    assert api.patch(f"/devices/{a['id']}", json={"info": {"connectedBy": a["id"]}}).status_code == 400
    response = api.patch(f"/devices/{a['id']}", json={"info": {"connectedBy": c["id"]}})
    assert response.status_code == 400 and response.json()["errorCode"] == "CONNECTED_BY_LOOP"
    assert (
        api.patch(f"/devices/{c['id']}", json={"info": {"connectedBy": None}}).json()["data"]["info"]["connectedBy"]
        is None
    )


def test_configuration_changes_are_announced(
    api: httpx.Client, make_device: MakeDevice, bus_events: list[DomainEvent]
) -> None:
    device = make_device(aliases=["mac-1"], configuration={"brightness": 10})
    plain = make_device()
    url = f"/devices/{device['id']}"
    api.patch(url, json={"configuration": {"brightness": 10}})  # no change: no message
    api.patch(url, json={"info": {"name": "other"}})
    api.patch(url, json={"configuration": {"color": {"r": 3}}})
    changes = [e for e in bus_events if isinstance(e, DeviceConfigurationChanged)]
    assert [(e.device_id, e.configuration, e.aliases) for e in changes] == [
        (device["id"], {"brightness": 10}, ("mac-1",)),
        (device["id"], {"brightness": 10, "color": {"r": 3}}, ("mac-1",)),
    ]
    created = [e.device_id for e in bus_events if isinstance(e, DeviceCreated)]
    assert created[-2:] == [device["id"], plain["id"]]


def test_delete_cascades(
    olt_sim: SimHandle,
    api: httpx.Client,
    make_device: MakeDevice,
    new_cert: Callable[..., Any],
    bus_events: list[DomainEvent],
) -> None:
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    gateway = make_device(name="gw")
    child = make_device(name="child", connectedBy=gateway["id"])
    pem, _ = new_cert()
    cert = api.post(f"/devices/{gateway['id']}/certificates", json={"cert": pem}).json()["data"]
    forgotten: list[str] = []

    def prepare() -> None:
        sim.devices.apply_reported(tenant, gateway["id"], "attributes", {"temperature": 1}, sim.clock.now())
        sim.events.record_event(gateway["id"], {"type": "overheated"})
        sim.events.record_diagnostic(tenant, gateway["id"], source="mqtt", code="X", message="m")
        vars(sim.timeseries)["forget_device"] = forgotten.append  # stands in for the pipeline's store

    olt_sim.call(prepare)
    try:
        assert api.delete(f"/devices/{gateway['id']}").status_code == 204
    finally:
        olt_sim.call(lambda: delattr(sim.timeseries, "forget_device"))
    assert api.get(f"/devices/{gateway['id']}").status_code == 404
    assert api.get(f"/devices/{gateway['id']}/state").status_code == 404
    assert olt_sim.call(lambda: sim.certificates.find_valid(cert["fingerprint"])) is None
    assert olt_sim.call(
        lambda: (sim.events.last_events(gateway["id"]), sim.events.last_diagnostics(gateway["id"]))
    ) == ([], [])
    assert forgotten == [gateway["id"]]
    assert api.get(f"/devices/{child['id']}").json()["data"]["info"]["connectedBy"] is None
    assert api.get("/devices").json()["data"][0]["info"]["connectedBy"] is None
    assert api.get("/devices", params={"deviceConnectedBy": gateway["id"]}).json()["data"] == []
    kinds = [type(e) for e in bus_events if getattr(e, "device_id", None) == gateway["id"]]
    assert kinds[-2:] == [CertificateInvalidated, DeviceDeleted]
    assert api.delete(f"/devices/{gateway['id']}").status_code == 404


def test_delete_works_without_a_timeseries_forget_hook(
    olt_sim: SimHandle, api: httpx.Client, make_device: MakeDevice
) -> None:
    sim = olt_sim.sim
    device = make_device()
    real = sim.timeseries
    olt_sim.call(lambda: setattr(sim, "timeseries", object()))  # a timeseries store without forget_device
    try:
        assert api.delete(f"/devices/{device['id']}").status_code == 204
    finally:
        olt_sim.call(lambda: setattr(sim, "timeseries", real))


def test_lookups_other_areas_use(olt_sim: SimHandle, make_device: MakeDevice) -> None:
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    gateway = make_device(name="gw")
    other_gateway = make_device(name="gw2")
    first = make_device(name="bulb1", connectedBy=gateway["id"], aliases=["Hue-1"])
    second = make_device(name="bulb2", connectedBy=other_gateway["id"], aliases=["hue-1"])

    def lookups() -> tuple[Any, ...]:
        return (
            getattr(sim.devices.find_by_alias(tenant, "HUE-1"), "id", None),
            getattr(sim.devices.find_by_alias(tenant, "hue-1", other_gateway["id"]), "id", None),
            sim.devices.find_by_alias(tenant, "hue-1", first["id"]),
            [d.id for d in sim.devices.connected_devices(tenant, gateway["id"])],
            sim.devices.find_device(tenant, MISSING),
            sim.devices.mqtt_password(first["id"]) == sim.devices.mqtt_password(first["id"]),
            sim.devices.mqtt_password(first["id"]) != sim.devices.mqtt_password(second["id"]),
        )

    assert olt_sim.call(lookups) == (first["id"], second["id"], None, [first["id"]], None, True, True)


def test_state_survives_snapshot_and_restore(olt_sim: SimHandle, api: httpx.Client, make_device: MakeDevice) -> None:
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    device = make_device(tags=["kept"], aliases=["a1"])
    olt_sim.call(
        lambda: sim.devices.apply_reported(
            tenant, device["id"], "attributes", {"t": 1}, datetime(2026, 1, 1, tzinfo=UTC)
        )
    )
    snapshot = olt_sim.call(sim.snapshot)
    olt_sim.reset()
    assert api.get(f"/devices/{device['id']}").status_code == 404
    olt_sim.call(lambda: sim.restore(snapshot))
    assert api.get("/devices", params={"deviceTag": "kept"}).json()["data"][0]["id"] == device["id"]
    assert api.get(f"/devices/{device['id']}/state").json()["data"]["attributes"] == {"t": 1}
    assert olt_sim.call(lambda: getattr(sim.devices.find_by_alias(tenant, "a1"), "id", None)) == device["id"]
    newer = make_device()
    assert [d["id"] for d in api.get("/devices").json()["data"]] == [newer["id"], device["id"]]


@pytest.mark.parametrize("user", ["reader@example.com"])
def test_reader_cannot_write_devices(olt_sim: SimHandle, make_device: MakeDevice, user: str) -> None:
    device = make_device()
    reader = olt_sim.client(user)
    assert reader.get(f"/devices/{device['id']}").status_code == 200
    assert reader.patch(f"/devices/{device['id']}", json={"custom": {}}).status_code == 403
    assert reader.delete(f"/devices/{device['id']}").status_code == 403
    assert reader.post(f"/devices/{device['id']}/actions", json={"action": "blink", "payload": {}}).status_code == 403
