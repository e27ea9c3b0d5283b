"""A clock moment's reports reach the pipeline as one batch, and nothing observable changes.

Each scenario runs twice from the same seed: batched (the default: the in-process link holds a
moment's data messages for `ingest_data_batch`) and message by message (the link never held, so
every report calls `ingest_data`); likewise with devices reporting in cohorts (the default) and
each ticking alone. The whole world (states, timeseries, events, diagnostics, notification
history, the random source), the run's counters, and the sequence of domain events a subscriber
that knows no batches hears must be identical.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from simulator.core.events import DataReported, DataReportedBatch, DomainEvent
from simulator.runtime import Simulator
from simulator.scenario import load_scenario
from simulator.scenario.cohorts import Cohorts
from simulator.scenario.device import VirtualDevice
from simulator.scenario.links import PipelineLink
from simulator.scenario.runner import ScenarioRunner
from simulator.scenario.schema import Scenario
from simulator.services.notifications.inputs import NewNotification
from simulator.services.streaming.inputs import StreamRequest
from simulator.settings import Settings
from tests.scenario.conftest import SCENARIOS

#: Values outside the schema (refused with a diagnostic), a rule that needs real JSONPath, a rule
#: on configuration, and a second fleet of another device type reporting in the same moments.
OUT_OF_RANGE = """
[scenario]
name = "out-of-range"
seed = 5

[device_types.probe]
name = "Probe"
reporting_rules = [
  { path = "$.attributes.level", report_to = ["timeseries"] },
  { path = "$.attributes.*", report_to = ["timeseries"] },
  { path = "$.configuration.rate", report_to = ["timeseries"] },
]

[device_types.probe.schema.attributes]
level = { type = "number", minimum = 0, maximum = 100 }

[device_types.probe.schema.configuration]
rate = { type = "integer" }

[device_types.meter]
name = "Meter"
reporting_rules = [{ path = "$.attributes.power", report_to = ["timeseries"] }]

[fleets.probes]
device_type = "probe"
count = 40
name = "Probe {n}"
every = "10s"
configuration = { rate = 5 }

[fleets.probes.attributes]
level = { generator = "random", min = -20, max = 120, decimals = 1 }
seq = { generator = "counter", start = 0, step = 1 }

[fleets.meters]
device_type = "meter"
count = 15
name = "Meter {n}"
every = "10s"

[fleets.meters.attributes]
power = { generator = "walk", min = 0, max = 500, step = 5 }
"""


def run(scenario: Scenario, seconds: float, *, batched: bool) -> tuple[ScenarioRunner, list[DomainEvent], int]:
    sim = Simulator(Settings(clock="stepped", seed=scenario.info.seed))
    heard: list[DomainEvent] = []
    batches: list[DataReportedBatch] = []
    sim.bus.subscribe(DomainEvent, heard.append)  # knows no batches: hears every DataReported
    sim.bus.subscribe(DataReported, lambda event: None, batch=batches.append)
    runner = ScenarioRunner(sim, scenario).start()
    for tenant_id in {fleet.tenant_id for fleet in runner.fleets.values()}:  # a notification and a stream hear it
        watch = {"deviceAttribute": ["level", "power", "temperature", "occupied"]}
        sim.notifications.create_notification(tenant_id, NewNotification({"subject": "x"}, watch))
        url = sim.streaming.create_streaming_connection(tenant_id, "test", StreamRequest(type="buffered"))
        sim.streaming.open(url.split("token=", 1)[1])
    if not batched:
        assert runner.ticks is not None
        runner.ticks.holders = ()
    runner.run_until(runner.t0 + seconds)
    return runner, heard, len(batches)


def world(runner: ScenarioRunner) -> dict[str, Any]:
    return runner.sim.snapshot()


def cohorts(runner: ScenarioRunner) -> int:
    """How many cohorts the runner formed when it armed its devices."""
    assert runner.cohorts is not None
    return len(runner.cohorts.forming)


RUNS = [
    ("smart-office.toml", 3 * 3600),
    ("flaky-fleet.toml", 5 * 3600),
    ("chaos.toml", 3600),
    ("out-of-range", 1800),
    ("crowded-moments", 5),
]


def scenario_named(name: str, tmp_path: Path) -> Scenario:
    if name == "out-of-range":
        (tmp_path / "s.toml").write_text(OUT_OF_RANGE)
        return load_scenario(tmp_path / "s.toml")
    if name == "crowded-moments":  # more reports per moment than one batch takes
        return crowded(PipelineLink.BATCH * 2 + 100)
    return load_scenario(SCENARIOS / name)


def crowded(devices: int) -> Scenario:
    """The load scenario with `devices` trackers that all report every second, in the same moments."""
    scenario = load_scenario(SCENARIOS / "load-10k.toml")
    return replace(scenario, fleets={"trackers": replace(scenario.fleets["trackers"], count=devices, every=1.0)})


@pytest.mark.parametrize(("name", "seconds"), RUNS)
def test_a_batched_run_equals_the_message_by_message_run(name: str, seconds: float, tmp_path: Path) -> None:
    scenario = scenario_named(name, tmp_path)
    batched, heard_batched, batches = run(scenario, seconds, batched=True)
    single, heard_single, no_batches = run(scenario, seconds, batched=False)
    assert batches > 0 and no_batches == 0  # the two runs did take different paths
    assert batched.stats.total("messages") > 100
    assert batched.stats.fleets == single.stats.fleets
    assert heard_batched == heard_single
    assert world(batched) == world(single)


@pytest.mark.parametrize(("name", "seconds"), RUNS)
def test_devices_in_cohorts_report_as_devices_ticking_alone(
    name: str, seconds: float, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scenario = scenario_named(name, tmp_path)
    grouped, heard_grouped, _ = run(scenario, seconds, batched=True)

    def alone(self: Cohorts, device: VirtualDevice, first: float) -> None:
        device.schedule(first, self.ticks)

    monkeypatch.setattr(Cohorts, "join", alone)
    single, heard_single, _ = run(scenario, seconds, batched=True)
    assert cohorts(grouped) > 0 and cohorts(single) == 0  # the two runs did take different paths
    assert grouped.stats.total("messages") > 100
    assert grouped.stats.fleets == single.stats.fleets
    assert heard_grouped == heard_single
    assert world(grouped) == world(single)


def test_refused_reports_of_a_batch_are_diagnosed_in_their_place(tmp_path: Path) -> None:
    (tmp_path / "s.toml").write_text(OUT_OF_RANGE)
    runner, heard, _ = run(load_scenario(tmp_path / "s.toml"), 600, batched=True)
    stats = runner.stats.fleets["probes"]
    assert 0 < stats.diagnostics < stats.messages
    assert stats.accepted + stats.diagnostics == stats.messages
    probe = runner.fleets["probes"].devices[0]
    diagnostics = runner.sim.state.events.diagnostics[probe.device_id]
    assert {d.body["code"] for d in diagnostics} == {"SCHEMA_VALIDATION_FAILED"}
    assert any(isinstance(e, DataReported) for e in heard)
    state = runner.sim.state  # what the stream and the notification heard
    assert state.notifications.history[probe.tenant_id]
    (buffer,) = state.streaming.buffers.values()
    assert len(buffer.messages) == stats.accepted + runner.stats.fleets["meters"].accepted


def test_the_load_scenario_reports_in_one_batch_per_moment() -> None:
    scenario = load_scenario(SCENARIOS / "load-10k.toml")
    small = replace(scenario, fleets={"trackers": replace(scenario.fleets["trackers"], count=500)})
    runner, heard, batches = run(small, 60, batched=True)
    reported = [e for e in heard if isinstance(e, DataReported)]
    assert runner.stats.total("accepted") == runner.stats.total("messages") == len(reported) >= 500 * 6
    assert batches <= 61  # at most one per one-second moment


def test_a_crowded_moment_reaches_the_pipeline_in_batches_of_at_most_batch_reports() -> None:
    sim = Simulator(Settings(clock="stepped", seed=1))
    sizes: list[int] = []
    order: list[str] = []

    def heard(batch: DataReportedBatch) -> None:
        sizes.append(len(batch))
        order.extend(batch.device_ids)

    sim.bus.subscribe(DataReported, lambda event: None, batch=heard)
    runner = ScenarioRunner(sim, crowded(PipelineLink.BATCH * 2 + 100)).start()
    runner.run_until(runner.t0 + 1)
    assert sizes == [PipelineLink.BATCH, PipelineLink.BATCH, 100]  # one moment, three batches
    assert order == [device.device_id for device in runner.fleets["trackers"].devices]  # in the devices' order
