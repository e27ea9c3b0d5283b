"""After a wave of connections settles, the live objects leave the collector's full passes."""

from __future__ import annotations

import asyncio
import gc

from simulator.mqtt.heap import SessionHeap


def test_a_settled_wave_is_frozen_and_released_on_stop() -> None:
    async def run() -> tuple[int, int, int]:
        heap = SessionHeap(wave=3, quiet=0.05)
        heap.connected()
        heap.connected()
        await asyncio.sleep(0.1)
        not_yet = gc.get_freeze_count()  # two connections are no wave
        for _ in range(3):
            heap.connected()
            await asyncio.sleep(0.01)  # still arriving: the freeze waits for a quiet moment
        waiting = heap.freezes
        await asyncio.sleep(0.15)
        frozen = gc.get_freeze_count()
        heap.release()
        return not_yet, waiting, frozen

    gc.unfreeze()
    not_yet, waiting, frozen = asyncio.run(run())
    assert not_yet == 0 and waiting == 0 and frozen > 0
    assert gc.get_freeze_count() == 0
