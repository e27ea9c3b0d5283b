"""A virtual device's reports: what it hands the pipeline stays as sent, reactions carry over,
and a fleet keeps its devices' expression environment only when something reads it."""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from simulator.core.events import DataReported
from simulator.runtime import Simulator
from simulator.scenario import loads
from simulator.scenario.runner import ScenarioRunner
from simulator.settings import Settings

LAMPS = """
[scenario]
name = "lamps"
seed = 4

[device_types.lamp]
name = "Lamp"
schema.attributes.level = { type = "number" }
schema.attributes.seq = { type = "integer" }
schema.attributes.mode = { type = "string" }
schema.attributes.glow = { type = "number" }
schema.attributes.half = { type = "number" }
schema.actions.dim = {}
schema.events.high = {}
schema.events.ping = {}

[fleets.lamps]
device_type = "lamp"
count = 3
every = "10s"

[fleets.lamps.attributes]
level = { generator = "walk", min = 0, max = 100, step = 1, decimals = 0 }
seq = { generator = "counter", start = 0, step = 1 }

[fleets.lamps.actions.dim]
set = { level = 7, mode = "eco" }
"""


def run_lamps(text: str = LAMPS) -> tuple[ScenarioRunner, list[DataReported]]:
    sim = Simulator(Settings(clock="manual", seed=4))
    heard: list[DataReported] = []
    sim.bus.subscribe(DataReported, heard.append)  # knows no batches: hears every report
    return ScenarioRunner(sim, loads(textwrap.dedent(text))).start(), heard


def reports_of(heard: list[DataReported], device_id: str) -> list[dict[str, Any]]:
    return [event.value for event in heard if event.device_id == device_id and event.kind == "attributes"]


def test_a_report_stays_as_sent_when_a_reaction_sets_values_after_it() -> None:
    runner, heard = run_lamps()
    lamp = runner.fleets["lamps"].devices[0]
    runner.sim.clock.advance(30)
    sent = reports_of(heard, lamp.device_id)
    kept = [dict(report) for report in sent]  # copies of what the pipeline was handed
    assert len(sent) >= 3

    runner.sim.devices.create_device_action(lamp.tenant_id, lamp.device_id, "dim", {})
    runner.sim.clock.advance(1)
    assert sent == kept  # the reaction made new values; it changed none of the reports already sent
    runner.sim.clock.advance(20)
    later = reports_of(heard, lamp.device_id)[len(sent) :]
    assert later and all(report["level"] == 7 for report in later)  # held until set again


def test_an_attribute_only_a_reaction_sets_is_reported_from_then_on() -> None:
    runner, heard = run_lamps()
    lamp = runner.fleets["lamps"].devices[0]
    runner.sim.clock.advance(20)
    before = reports_of(heard, lamp.device_id)
    assert before and all("mode" not in report for report in before)

    runner.sim.devices.create_device_action(lamp.tenant_id, lamp.device_id, "dim", {})
    runner.sim.clock.advance(30)
    after = reports_of(heard, lamp.device_id)[len(before) :]
    assert len(after) >= 2
    assert all(report["mode"] == "eco" for report in after)
    assert [report["seq"] for report in after] == sorted({report["seq"] for report in after})  # still counting
    state = runner.sim.devices.get_device(lamp.tenant_id, lamp.device_id).state
    assert state.attributes["mode"] == "eco"


@pytest.mark.parametrize(
    ("extra", "keeps_env"),
    [
        ("", False),  # walk and counter read nothing of the environment
        ('\n[fleets.lamps.attributes.glow]\ngenerator = "cycle"\nmean = 5\n', True),  # reads now
        ('\n[fleets.lamps.attributes.half]\ngenerator = "expression"\nexpr = "level / 2"\n', True),
        ('\n[[fleets.lamps.events]]\ntype = "high"\nwhen = "level > 90"\n', True),
        ('\n[[fleets.lamps.events]]\ntype = "ping"\nprobability = 0.5\n', False),  # reads no name
    ],
    ids=["walk-and-counter", "cycle", "expression", "event-when", "event-without-when"],
)
def test_a_fleet_keeps_the_environment_only_when_something_reads_it(extra: str, keeps_env: bool) -> None:
    runner, heard = run_lamps(LAMPS + extra)
    fleet = runner.fleets["lamps"]
    assert fleet.keeps_env is keeps_env
    runner.sim.clock.advance(30)
    lamp = fleet.devices[0]
    reported = reports_of(heard, lamp.device_id)[-1]
    if keeps_env:  # what an expression reads is the device's latest report and time
        assert lamp.env["level"] == reported["level"]
        assert runner.sim.clock.time() - 10 < lamp.env["now"] <= runner.sim.clock.time()
    else:  # left alone: nothing reads it
        assert "level" not in lamp.env
    if "half" in extra:
        assert reported["half"] == reported["level"] / 2
