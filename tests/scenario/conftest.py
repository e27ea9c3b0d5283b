"""Helpers for scenario tests: run a scenario on a stepped clock, read what the platform stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.runtime import Simulator
from simulator.scenario import load_scenario
from simulator.scenario.runner import ScenarioRunner
from simulator.scenario.schema import Scenario
from simulator.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def stepped(scenario: Scenario | str, seconds: float, seed: int | None = None) -> ScenarioRunner:
    """Run `scenario` (a Scenario or a file name in scenarios/) for `seconds` on a stepped clock."""
    if isinstance(scenario, str):
        scenario = load_scenario(SCENARIOS / scenario)
    sim = Simulator(Settings(clock="stepped", seed=scenario.info.seed if seed is None else seed))
    runner = ScenarioRunner(sim, scenario, seed=seed).start()
    runner.run_until(runner.t0 + seconds)
    return runner


def state(runner: ScenarioRunner, fleet: str, index: int = 0) -> Any:
    device = runner.fleets[fleet].devices[index]
    return runner.sim.devices.get_device(device.tenant_id, device.device_id).state


def series(runner: ScenarioRunner, fleet: str, path: str) -> list[Any]:
    """Every timeseries value of `path` for every device of the fleet."""
    values: list[Any] = []
    for device in runner.fleets[fleet].devices:
        found = runner.sim.timeseries.series(device.tenant_id, device.device_id, path)
        values += list(found.values) if found is not None else []
    return values
