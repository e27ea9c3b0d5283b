"""Virtual devices as real MQTT clients: certificates, passwords, gateways, actions, malformed payloads."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from simulator.scenario import load_scenario, loads
from simulator.scenario.mqtt_link import MqttLink
from simulator.scenario.runner import ScenarioRunner
from simulator.testing import SimHandle
from tests.scenario.conftest import SCENARIOS

TIMEOUT = 20.0


def wait_for(condition: Callable[[], object], what: str, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def start(handle: SimHandle, runner: ScenarioRunner) -> ScenarioRunner:
    handle.scenario = handle.call(runner.start)  # the fixture stops it at teardown
    wait_for(lambda: handle.call(runner.online) == len(runner.by_id), "every device to connect")
    return runner


def attributes(handle: SimHandle, device_id: str) -> dict[str, object]:
    body = handle.client().get(f"/devices/{device_id}/state").json()["data"]
    found: dict[str, object] = body["attributes"]
    return found


def test_office_devices_connect_with_certificates_and_obey_actions(olt_sim_server: SimHandle) -> None:
    handle = olt_sim_server
    scenario = load_scenario(SCENARIOS / "smart-office.toml")
    runner = start(handle, ScenarioRunner(handle.sim, scenario, transport="mqtt"))
    assert {type(link).__name__ for link in runner._links.values()} == {"MqttLink"}
    client = handle.client()
    climate = runner.fleets["climate"].devices[0]
    certificates = client.get(f"/devices/{climate.device_id}/certificates").json()["data"]
    assert len(certificates) == 1 and certificates[0]["status"] == "valid"
    handle.advance(70)
    luminaire = runner.fleets["luminaires"].devices[2]
    wait_for(lambda: "brightness" in attributes(handle, luminaire.device_id), "the first report over MQTT")
    wait_for(lambda: "temperature" in attributes(handle, climate.device_id), "the climate sensor's report")
    state_url = f"/devices/{luminaire.device_id}/state"
    wait_for(
        lambda: client.get(state_url).json()["data"]["configuration"] == {"fadeTime": 1.5},
        "the configuration reported once the gateway's session came up",
    )
    answer = client.post(f"/devices/{luminaire.device_id}/actions", json={"action": "dim", "payload": {"level": 17}})
    assert answer.status_code == 202
    wait_for(lambda: handle.call(lambda: runner.stats.fleets["luminaires"].actions) == 1, "the action to arrive")
    handle.advance(1)  # the luminaire acknowledges after 500 ms
    wait_for(lambda: attributes(handle, luminaire.device_id).get("brightness") == 17, "the new state")
    journal = [
        e for e in handle.sim.mqtt_journal if e["direction"] == "downlink" and e["deviceId"] == luminaire.device_id
    ]
    gateway = runner.fleets["gateway"].devices[0]
    assert journal and journal[-1]["clientId"] == gateway.device_id  # delivered to the gateway's session


def test_flaky_devices_over_the_plain_port_land_malformed_json_in_diagnostics(olt_sim_server: SimHandle) -> None:
    handle = olt_sim_server
    text = (SCENARIOS / "flaky-fleet.toml").read_text().replace("count = 20", "count = 3")
    text = text.replace("malformed = 0.05", "malformed = 1.0")
    runner = start(handle, ScenarioRunner(handle.sim, loads(text), transport="mqtt"))
    for device in runner.fleets["meters"].devices:
        assert device.link is not None and not device.link.clients[device.device_id].client._ssl  # type: ignore[attr-defined]
    for _ in range(8):
        handle.advance(60)
    wait_for(
        lambda: (
            handle.call(lambda: runner.stats.total("diagnostics"))
            == handle.call(lambda: runner.stats.total("malformed"))
        ),
        "a diagnostics entry per malformed message",
    )
    codes = {
        entry["code"]
        for device in runner.fleets["meters"].devices
        for entry in handle.client().get(f"/devices/{device.device_id}/last-diagnostics").json()["data"]
    }
    assert "INVALID_JSON" in codes or "SCHEMA_VALIDATION_FAILED" in codes
    assert runner.stats.total("malformed") >= 20


def test_offline_and_reconnect_drop_and_restore_the_sessions(olt_sim_server: SimHandle) -> None:
    handle = olt_sim_server
    text = (SCENARIOS / "single-sensor.toml").read_text().replace("count = 1", "count = 3")
    runner = start(handle, ScenarioRunner(handle.sim, loads(text), transport="mqtt"))
    devices = runner.fleets["sensor"].devices
    link = devices[1].link
    assert isinstance(link, MqttLink)
    handle.call(lambda: devices[0].go_offline(None))
    wait_for(lambda: not handle.call(lambda: link.clients[devices[0].device_id].connected), "the session to drop")
    assert handle.call(runner.online) == 2
    handle.call(lambda: link.reconnect(devices[1]))
    handle.call(lambda: devices[0].go_online())
    wait_for(lambda: handle.call(runner.online) == 3, "every session back")
    handle.advance(31)
    wait_for(lambda: all("temperature" in attributes(handle, d.device_id) for d in devices), "reports from all")


def test_a_session_dropped_on_purpose_is_down_until_the_host_reports_it_back(olt_sim_server: SimHandle) -> None:
    """The host thread reports a session's changes later: until then the link must not count it up.

    Counting it up let a report go out (and be lost) while the session was being closed or reopened.
    """
    handle = olt_sim_server
    text = (SCENARIOS / "single-sensor.toml").read_text().replace("count = 1", "count = 3")
    runner = start(handle, ScenarioRunner(handle.sim, loads(text), transport="mqtt"))
    first, second, _ = runner.fleets["sensor"].devices
    link = second.link
    assert isinstance(link, MqttLink)

    def flap_and_count() -> int:  # one turn of the simulator's loop: no report from the host in between
        first.go_offline(None)
        first.go_online()
        link.reconnect(second)
        return runner.online()

    assert handle.call(flap_and_count) == 1
    wait_for(lambda: handle.call(runner.online) == 3, "both sessions back")
    assert handle.call(lambda: all(c.connected for c in link.clients.values()))


@pytest.mark.olt_scenario("scenarios/single-sensor.toml")
def test_the_marker_on_the_socket_fixture_runs_in_process_with_a_manual_clock(olt_sim_server: SimHandle) -> None:
    runner = olt_sim_server.scenario
    assert {type(link).__name__ for link in runner._links.values()} == {"PipelineLink"}
