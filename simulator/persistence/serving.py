"""What `olt-sim serve` does with a state dir: resume the saved world before serving, then keep saving it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from simulator.persistence.saver import Persister
from simulator.persistence.scenario_devices import adopt
from simulator.persistence.world_files import StateDirError
from simulator.scenario.fleet import Provisioned

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.scenario.schema import Scenario


def resumed_scenario(sim: Simulator, scenario: Scenario | None) -> tuple[Scenario | None, Provisioned | None, str]:
    """What to run after a resume: the same scenario adopting its saved devices; another one, or one
    whose devices are gone, does not run (it would provision a second set). Returns a banner line."""
    if scenario is None or sim.persister is None:
        return scenario, None, ""
    adopted = adopt(sim, scenario.info.name, sim.persister.files.scenario)
    if adopted is None:
        return (
            None,
            None,
            (
                f"  (scenario {scenario.info.name!r} not started: the resumed world does not hold its "
                "devices; --fresh starts over)"
            ),
        )
    return scenario, adopted, f"  (scenario {scenario.info.name!r} runs on with its saved devices)"


def attach(sim: Simulator, state_dir: Path | None, *, fresh: bool, interval: float) -> list[str]:
    """Resume `sim` from `state_dir` and make it save there; returns banner lines (StateDirError on damage)."""
    if state_dir is None:
        return []
    persister = Persister(sim, state_dir, interval)
    resumed = persister.resume(fresh=fresh)
    sim.persister = persister
    if resumed is None:
        return [f"new world in {state_dir} (saved every {interval:g} s while it changes)"]
    lines = [f"resumed world from {state_dir} ({resumed.devices} devices, {resumed.points} points)"]
    if resumed.recovered_from:
        lines.append(f"  Recovered:  {resumed.recovered_from}; used the previous save instead")
    return lines


__all__ = ["StateDirError", "attach"]
