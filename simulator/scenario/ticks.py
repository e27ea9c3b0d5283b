"""Report ticks grouped by due time: one clock timer per distinct moment, not one per device.

Devices start at a phase quantized to `quantum` seconds and keep their period, so a fleet of
thousands shares a few dozen moments; the clock's heap then holds moments, not devices. The
`holders` (in-process links) are held while one moment's ticks run, so that the reports of a
moment reach the pipeline as one batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from simulator.core.clock import Clock


class Holder(Protocol):
    def hold(self) -> None: ...
    def release(self) -> None: ...


class Ticks:
    def __init__(self, clock: Clock, quantum: float, holders: tuple[Holder, ...] = ()) -> None:
        self.clock = clock
        self.quantum = quantum
        self.holders = holders
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
        holders = self.holders
        for holder in holders:
            holder.hold()
        try:
            for tick in self.due.pop(at, ()):
                tick()
        finally:
            for holder in holders:
                holder.release()

    def cancel(self) -> None:
        for timer in self.timers.values():
            timer.cancel()
        self.timers.clear()
        self.due.clear()
