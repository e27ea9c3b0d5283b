"""Waiting for a fault's delay, on the simulated clock (default) or on the wall clock.

Simulated time: with a real-time or scaled clock the wait is `seconds / speed` of wall time; with
a manual or stepped clock the delayed thing happens when the clock is advanced past it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def later(sim: Simulator, seconds: float, clock: str, callback: Callable[[], None]) -> None:
    """Run `callback` on the simulator's loop once `seconds` have passed on the chosen clock."""
    if clock == "real" or sim.clock.runs_by_itself:
        speed = 1.0 if clock == "real" else sim.clock.speed
        asyncio.get_running_loop().call_later(seconds / speed, callback)
    else:
        sim.clock.call_later(seconds, callback)


async def wait(sim: Simulator, seconds: float, clock: str) -> None:
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def finish() -> None:
        if not done.done():
            done.set_result(None)

    later(sim, seconds, clock, finish)
    started_on = sim.clock
    while not done.done():
        await asyncio.wait({done}, timeout=0.5)
        if sim.clock is not started_on:  # a reset replaced the clock: its timers will never fire
            return
