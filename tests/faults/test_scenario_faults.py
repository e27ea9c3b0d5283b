"""Fault rules from a scenario's [[faults]]: checked like POST /_sim/faults, added at its start,
matched by fleet, removed when it stops."""

from __future__ import annotations

import pytest

from simulator.scenario import ScenarioError, load_scenario, loads
from simulator.scenario.runner import ScenarioRunner
from simulator.testing import SimHandle
from tests.mqtt.conftest import wait_for
from tests.scenario.conftest import SCENARIOS

SMALL = """
[scenario]
name = "tiny"
[device_types.sensor]
name = "Sensor"
[device_types.sensor.schema.attributes]
temperature = { type = "number" }
[fleets.sensors]
device_type = "sensor"
count = 2
every = "10s"
transport = "mqtt"
auth = "password"
[fleets.sensors.attributes]
temperature = 20
"""


def test_chaos_scenario_loads_with_its_rules() -> None:
    scenario = load_scenario(SCENARIOS / "chaos.toml")
    assert len(scenario.faults) == 7
    assert scenario.faults[0] == {
        "match": {"operationId": "listDevices"},
        "effect": {"status": 503, "retryAfter": 2},
        "probability": 0.2,
        "after": "5m",
        "for": "10m",
    }


@pytest.mark.parametrize(
    ("rule", "key", "message"),
    [
        ('match = { fleet = "nope" }\neffect = { drop = true }', "faults[0].match.fleet", "unknown fleet"),
        ('match = { operationId = "listDevices" }\neffect = { status = 200 }', "faults[0].effect.status", "400-599"),
        ('match = { direction = "uplink" }\neffect = { drop = true }\nfor = "soon"', "faults[0].for", "duration"),
    ],
)
def test_a_bad_rule_in_a_scenario_names_the_key_and_line(rule: str, key: str, message: str) -> None:
    with pytest.raises(ScenarioError) as error:
        loads(SMALL + "[[faults]]\n" + rule + "\n", "tiny.toml")
    problem = error.value.problems[0]
    assert problem.key == key and message in problem.message and problem.line


def test_scenario_rules_match_by_fleet_and_go_when_it_stops(olt_sim_server: SimHandle) -> None:
    rule = '[[faults]]\nmatch = { direction = "uplink", fleet = "sensors" }\neffect = { drop = true }\n'
    scenario = loads(SMALL + rule)
    runner = ScenarioRunner(olt_sim_server.sim, scenario, transport="mqtt")
    olt_sim_server.scenario = olt_sim_server.call(runner.start)
    wait_for(lambda: olt_sim_server.call(runner.online) == 2, what="both sensors online")
    listed = olt_sim_server.faults()
    assert [r["match"] for r in listed] == [{"direction": "uplink", "fleet": "sensors", "protocol": "mqtt"}]
    olt_sim_server.advance(10)
    wait_for(
        lambda: len([m for m in olt_sim_server.mqtt_messages() if m["direction"] == "uplink"]) >= 2,
        what="the sensors' reports",
    )
    uplinks = [m for m in olt_sim_server.mqtt_messages() if m["direction"] == "uplink"]
    assert {m["outcome"] for m in uplinks} == {"dropped"}
    assert {m["deviceId"] for m in uplinks} == {d.device_id for d in runner.fleets["sensors"].devices}
    for device in runner.fleets["sensors"].devices:
        state = olt_sim_server.client().get(f"/devices/{device.device_id}/state").json()["data"]
        assert "temperature" not in state["attributes"]
    olt_sim_server.call(runner.stop)
    olt_sim_server.scenario = None
    assert olt_sim_server.faults() == []
