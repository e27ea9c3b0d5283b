"""The pytest surface: the olt_scenario marker and the make_device_type / make_device factories."""

from __future__ import annotations

import pytest

from simulator.scenario_fixtures import DeviceFactory, DeviceTypeFactory
from simulator.testing import SimHandle


@pytest.mark.olt_scenario("scenarios/smart-office.toml")
def test_the_marker_applies_a_scenario_to_olt_sim(olt_sim: SimHandle) -> None:
    runner = olt_sim.scenario
    assert runner is not None and len(runner.by_id) == 21
    olt_sim.advance(120)
    client = olt_sim.client()
    devices = client.get("/devices", params={"pageSize": 100}).json()["data"]
    assert len(devices) == 21
    luminaire = runner.fleets["luminaires"].devices[0]
    body = client.get(f"/devices/{luminaire.device_id}/state").json()["data"]
    assert set(body["attributes"]) == {"brightness", "power", "temperature"}
    assert body["configuration"] == {"fadeTime": 1.5}


@pytest.mark.olt_scenario("scenarios/smart-office.toml")
def test_an_action_through_the_api_changes_the_reported_state(olt_sim: SimHandle) -> None:
    luminaire = olt_sim.scenario.fleets["luminaires"].devices[3]
    olt_sim.advance(90)
    client = olt_sim.client()
    answer = client.post(f"/devices/{luminaire.device_id}/actions", json={"action": "dim", "payload": {"level": 12}})
    assert answer.status_code == 202
    state = client.get(f"/devices/{luminaire.device_id}/state").json()["data"]["attributes"]
    assert state["brightness"] != 12  # acknowledged after 500 ms, not at once
    olt_sim.advance(1)
    state = client.get(f"/devices/{luminaire.device_id}/state").json()["data"]["attributes"]
    assert state["brightness"] == 12 and 4 < state["power"] < 5.5
    olt_sim.advance(600)
    state = client.get(f"/devices/{luminaire.device_id}/state").json()["data"]["attributes"]
    assert state["brightness"] == 12  # held: the walk generator no longer moves it


@pytest.mark.olt_scenario("scenarios/smart-office.toml")
def test_refused_and_emitting_actions(olt_sim: SimHandle) -> None:
    runner = olt_sim.scenario
    luminaire = runner.fleets["luminaires"].devices[0]
    client = olt_sim.client()
    olt_sim.advance(60)
    identify = {"action": "identify", "payload": {}}
    assert client.post(f"/devices/{luminaire.device_id}/actions", json=identify).status_code == 202
    olt_sim.advance(1)
    events = client.get(f"/devices/{luminaire.device_id}/last-events").json()["data"]
    assert [e["type"] for e in events] == ["identified"]
    client.post(f"/devices/{luminaire.device_id}/actions", json={"action": "switchOff", "payload": {}})
    olt_sim.advance(1)
    client.post(f"/devices/{luminaire.device_id}/actions", json={"action": "identify", "payload": {}})
    olt_sim.advance(1)
    assert runner.stats.fleets["luminaires"].refused == 1  # switched off: cannot blink
    events = client.get(f"/devices/{luminaire.device_id}/last-events").json()["data"]
    assert [e["type"] for e in events] == ["identified"]


@pytest.mark.olt_scenario("scenarios/smart-office.toml")
def test_a_configuration_patch_is_applied_and_reported_back(olt_sim: SimHandle) -> None:
    luminaire = olt_sim.scenario.fleets["luminaires"].devices[1]
    client = olt_sim.client()
    answer = client.patch(f"/devices/{luminaire.device_id}", json={"configuration": {"fadeTime": 7}})
    assert answer.status_code == 200
    olt_sim.advance(3)
    state = client.get(f"/devices/{luminaire.device_id}/state").json()["data"]
    assert state["configuration"] == {"fadeTime": 7}


@pytest.mark.olt_scenario("scenarios/single-sensor.toml", seed=99)
def test_marker_options_and_the_stop_at_teardown(olt_sim: SimHandle) -> None:
    assert olt_sim.scenario.seed == 99
    olt_sim.advance(300)
    assert olt_sim.scenario.stats.total("accepted") == 10


def test_no_marker_no_scenario(olt_sim: SimHandle) -> None:
    assert olt_sim.scenario is None
    assert olt_sim.call(lambda: olt_sim.sim.devices.devices_of(olt_sim.tenant_id)) == {}


def test_factories_make_api_shaped_resources(
    olt_sim: SimHandle, make_device_type: DeviceTypeFactory, make_device: DeviceFactory
) -> None:
    lamp_type = make_device_type(schema={"attributes": {"on": {"type": "boolean"}}}, categories=["urn:lamp"])
    assert lamp_type["schema"]["attributes"] == {"on": {"type": "boolean"}} and lamp_type["categories"] == ["urn:lamp"]
    lamp = make_device(lamp_type, name="Lamp", tags=["Hall"])
    assert lamp["info"]["deviceTypeId"] == lamp_type["id"] and lamp["info"]["tags"] == ["hall"]
    plain = make_device(configuration={"interval": 30})
    assert plain["configuration"] == {"interval": 30}
    body = olt_sim.client().get(f"/devices/{plain['id']}").json()["data"]
    assert body["info"]["name"] == "Test device 2"
    made_type = olt_sim.client().get(f"/device-types/{body['info']['deviceTypeId']}").json()["data"]
    assert made_type["name"] == "Test device type 2"


def test_make_device_type_defaults(make_device_type: DeviceTypeFactory, olt_sim: SimHandle) -> None:
    made = make_device_type()
    assert made["name"] == "Test device type 1" and "temperature" in made["schema"]["attributes"]
    other = make_device_type("Named")
    assert other["name"] == "Named" and other["id"] != made["id"]
