"""Device timeseries and standalone timeseries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass
class TimeseriesStore:
    pass


class TimeseriesBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> TimeseriesStore:
        return self.sim.state.timeseries
