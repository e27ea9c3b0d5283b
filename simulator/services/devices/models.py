"""Devices, their desired configuration, state, actions and online monitoring."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass
class DevicesStore:
    pass


class DevicesBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> DevicesStore:
        return self.sim.state.devices
