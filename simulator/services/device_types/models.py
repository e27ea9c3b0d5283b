"""Device types: schema sections, reporting rules, slots, online monitoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass
class DeviceTypesStore:
    pass


class DeviceTypesBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> DeviceTypesStore:
        return self.sim.state.device_types
