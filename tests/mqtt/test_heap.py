"""Every wave of connections leaves the collector's full passes at once, the rest of it once it settles."""

from __future__ import annotations

import asyncio
import gc

from simulator.mqtt.heap import SessionHeap


def test_a_full_wave_is_frozen_at_once_its_rest_when_quiet_and_all_released_on_stop() -> None:
    async def run() -> tuple[int, int, int, int, int]:
        heap = SessionHeap(wave=3, quiet=0.05)
        heap.connected()
        heap.connected()
        await asyncio.sleep(0.1)
        small = heap.freezes  # two connections are no wave: never frozen on their own
        heap.connected()
        full_wave = heap.freezes  # the third completes the wave
        heap.connected()
        arriving = heap.freezes  # the rest of the next wave waits for a quiet moment
        deadline = asyncio.get_running_loop().time() + 10  # a loaded machine wakes the timer late
        while heap.freezes == arriving and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)
        settled = heap.freezes
        frozen = gc.get_freeze_count()
        heap.release()
        return small, full_wave, arriving, settled, frozen

    gc.unfreeze()
    small, full_wave, arriving, settled, frozen = asyncio.run(run())
    assert (small, full_wave, arriving, settled) == (0, 1, 1, 2) and frozen > 0
    assert gc.get_freeze_count() == 0
