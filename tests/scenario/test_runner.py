"""The runner: shared report timers, transports, stopping, gateways, offline devices, build order."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from simulator.core.events import DataReported, DataReportedBatch
from simulator.runtime import Simulator
from simulator.scenario import load_scenario, loads
from simulator.scenario import runner as runner_module
from simulator.scenario.cohorts import Cohort
from simulator.scenario.device import VirtualDevice
from simulator.scenario.links import PipelineLink
from simulator.scenario.runner import ScenarioRunner
from simulator.settings import Settings
from tests.scenario.conftest import SCENARIOS

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


def first_reports(runner: ScenarioRunner) -> dict[str, float]:
    """Each device's first report: the moment of the cohort it joined when armed."""
    assert runner.ticks is not None
    return {
        device.device_id: at
        for at, ticks in runner.ticks.due.items()
        for cohort in ticks
        if isinstance(cohort, Cohort)
        for device in cohort.devices
    }


def test_devices_are_built_in_the_order_of_their_first_report(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[VirtualDevice] = []

    def recorded(*args: Any) -> VirtualDevice:
        built.append(VirtualDevice(*args))
        return built[-1]

    monkeypatch.setattr(runner_module, "VirtualDevice", recorded)
    walkers = fleet_text(300).replace('"random", min = 0, max = 1', '"walk", min = 0, max = 100, step = 1')
    runner = ScenarioRunner(Simulator(Settings(clock="stepped", seed=3)), loads(walkers)).start()
    first = first_reports(runner)
    moments = [first[device.device_id] for device in built]  # a walk draws its start first: the order knows it
    assert len(built) == 300 and len(set(moments)) > 30 and moments == sorted(moments)
    assert [device.index for device in runner.fleets["sensors"].devices] == list(range(300))


def test_the_build_order_changes_nothing_a_run_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = load_scenario(SCENARIOS / "smart-office.toml")

    def run() -> tuple[dict[str, Any], Any, list[Any]]:
        sim = Simulator(Settings(clock="stepped", seed=scenario.info.seed))
        heard: list[Any] = []
        sim.bus.subscribe(DataReported, heard.append)
        runner = ScenarioRunner(sim, scenario).start()
        runner.run_until(runner.t0 + 3 * 3600)
        return sim.snapshot(), runner.stats.fleets, heard

    by_first_report = run()
    monkeypatch.setattr(ScenarioRunner, "_report_order", lambda self, fleet, count: list(range(count)))
    by_index = run()
    assert len(by_first_report[2]) > 100
    assert by_first_report == by_index


def test_after_a_restore_each_moment_reports_in_the_devices_order() -> None:
    sim = Simulator(Settings(clock="stepped", seed=3))
    batches: list[DataReportedBatch] = []
    sim.bus.subscribe(DataReported, lambda event: None, batch=batches.append)
    runner = ScenarioRunner(sim, loads(fleet_text(300))).start()
    runner.run_until(runner.t0 + 60)
    sim.restore(sim.snapshot())  # every device is armed again, at a new phase
    batches.clear()
    runner.run_until(runner.t0 + 180)
    index = {device.device_id: device.index for device in runner.fleets["sensors"].devices}
    orders = [[index[device_id] for device_id in batch.device_ids] for batch in batches]
    assert sum(map(len, orders)) >= 600 and all(order == sorted(order) for order in orders)
