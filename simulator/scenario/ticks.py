"""Report ticks grouped by due time: one clock timer per distinct moment, not one per device.

Devices start at a phase quantized to `quantum` seconds and keep their period, so a fleet of
thousands shares a few dozen moments; the clock's heap then holds moments, not devices.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.core.clock import Clock


class Ticks:
    def __init__(self, clock: Clock, quantum: float) -> None:
        self.clock = clock
        self.quantum = quantum
        self.due: dict[float, list[Callable[[], None]]] = {}
        self.timers: dict[float, Any] = {}

    def align(self, moment: float) -> float:
        """The next quantum boundary at or after `moment` (so a phase in (0, period] stays in its period)."""
        return math.ceil(moment / self.quantum - 1e-9) * self.quantum

    def add(self, at: float, tick: Callable[[], None]) -> None:
        bucket = self.due.get(at)
        if bucket is not None:
            bucket.append(tick)
            return
        self.due[at] = [tick]
        self.timers[at] = self.clock.call_at(at, lambda: self._fire(at))

    def _fire(self, at: float) -> None:
        self.timers.pop(at, None)
        for tick in self.due.pop(at, ()):
            tick()

    def cancel(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        self.due.clear()
