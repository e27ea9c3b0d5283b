"""What `olt-sim serve` does with a state dir: resume the saved world before serving, then keep saving it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from simulator.persistence.saver import Persister
from simulator.persistence.world_files import StateDirError

if TYPE_CHECKING:
    from simulator.runtime import Simulator


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
