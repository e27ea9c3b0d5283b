"""The runner: shared report timers, transports, stopping, gateways and offline devices."""

from __future__ import annotations

import textwrap

from simulator.runtime import Simulator
from simulator.scenario import loads
from simulator.scenario.links import PipelineLink
from simulator.scenario.runner import ScenarioRunner
from simulator.settings import Settings

FLEET = """
[scenario]
name = "r"
seed = 3

[device_types.sensor]
name = "Sensor"
schema.attributes.value = { type = "number" }

[fleets.sensors]
device_type = "sensor"
count = {count}
every = "1m"

[fleets.sensors.attributes]
value = { generator = "random", min = 0, max = 1 }
"""


def fleet_text(count: int) -> str:
    return textwrap.dedent(FLEET).replace("{count}", str(count))


def runner_for(count: int, clock: str = "manual", **kwargs: object) -> ScenarioRunner:
    sim = Simulator(Settings(clock=clock, seed=3))
    return ScenarioRunner(sim, loads(fleet_text(count)), **kwargs).start()  # type: ignore[arg-type]


def test_devices_share_report_timers() -> None:
    runner = runner_for(1000)
    assert runner.ticks is not None
    assert len(runner.ticks.timers) <= 61  # whole-second phases within one minute
    runner.sim.clock.advance(600)
    assert runner.stats.total("messages") == 10_000


def test_stop_cancels_every_report() -> None:
    runner = runner_for(50)
    runner.sim.clock.advance(120)
    sent = runner.stats.total("messages")
    runner.stop()
    runner.sim.clock.advance(600)
    assert runner.stats.total("messages") == sent == 100
    runner.stop()  # twice is fine


def test_without_a_broker_every_transport_runs_in_process() -> None:
    for transport in (None, "mqtt", "in-process"):
        runner = runner_for(2, "stepped", transport=transport)
        assert all(isinstance(link, PipelineLink) for link in runner._links.values())


def test_offline_devices_neither_report_nor_react() -> None:
    runner = runner_for(2)
    quiet, talking = runner.fleets["sensors"].devices
    quiet.go_offline(300)
    runner.sim.clock.advance(299)
    assert quiet.values == {} and talking.values
    runner.sim.clock.advance(61)
    assert quiet.values  # back after five minutes
    assert runner.online() == 2


def test_gateway_offline_silences_its_devices() -> None:
    text = fleet_text(2) + textwrap.dedent("""
        [device_types.gw]
        name = "Gateway"

        [fleets.gateways]
        device_type = "gw"
        count = 1
        every = "1h"
    """)
    text = text.replace('every = "1m"', 'every = "1m"\nconnected_by = "gateways"', 1)
    sim = Simulator(Settings(clock="manual", seed=3))
    runner = ScenarioRunner(sim, loads(text)).start()
    gateway = runner.fleets["gateways"].devices[0]
    sensors = runner.fleets["sensors"].devices
    assert all(s.gateway is gateway for s in sensors)
    gateway.go_offline(None)
    sim.clock.advance(600)
    assert all(s.values == {} for s in sensors) and runner.online() == 0
    gateway.go_online()
    sim.clock.advance(60)
    assert all(s.values for s in sensors)
    stored = sim.devices.get_device(sensors[0].tenant_id, sensors[0].device_id)
    assert stored.connected_by == gateway.device_id and stored.state.attributes
