"""Asynchronous timeseries dumps, ready after a delay and expiring after an hour."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass
class DumpsStore:
    pass


class DumpsBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> DumpsStore:
        return self.sim.state.dumps
