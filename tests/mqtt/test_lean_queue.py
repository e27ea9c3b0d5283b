"""LeanQueue behaves as asyncio.Queue: every test runs against both."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from simulator.mqtt.lean_queue import LeanQueue

KINDS = [asyncio.Queue, LeanQueue]


@pytest.mark.parametrize("kind", KINDS)
def test_fifo_sizes_and_the_nowait_errors(kind: Any) -> None:
    async def run() -> None:
        queue = kind(2)
        assert queue.empty() and not queue.full() and queue.qsize() == 0 and queue.maxsize == 2
        with pytest.raises(asyncio.QueueEmpty):
            queue.get_nowait()
        queue.put_nowait("a")
        await queue.put("b")
        assert queue.full() and queue.qsize() == 2
        with pytest.raises(asyncio.QueueFull):
            queue.put_nowait("c")
        assert [queue.get_nowait(), await queue.get()] == ["a", "b"]
        assert queue.empty()

    asyncio.run(run())


@pytest.mark.parametrize("kind", KINDS)
def test_a_waiting_get_is_woken_by_a_put_and_a_waiting_put_by_a_get(kind: Any) -> None:
    async def run() -> None:
        queue = kind(1)
        getter = asyncio.ensure_future(queue.get())
        await asyncio.sleep(0)
        assert not getter.done()
        await queue.put(1)
        assert await getter == 1
        await queue.put(2)
        putter = asyncio.ensure_future(queue.put(3))
        await asyncio.sleep(0)
        assert not putter.done()
        assert await queue.get() == 2
        await putter
        assert queue.get_nowait() == 3

    asyncio.run(run())


@pytest.mark.parametrize("kind", KINDS)
def test_a_cancelled_getter_loses_no_item_and_passes_its_wake_up_on(kind: Any) -> None:
    async def run() -> None:
        queue = kind()
        first = asyncio.ensure_future(queue.get())
        second = asyncio.ensure_future(queue.get())
        await asyncio.sleep(0)
        queue.put_nowait("x")  # wakes the first getter...
        first.cancel()  # ...which is cancelled before it takes the item
        assert await second == "x"
        assert first.cancelled() and queue.empty()

    asyncio.run(run())


@pytest.mark.parametrize("kind", KINDS)
def test_join_waits_for_task_done(kind: Any) -> None:
    async def run() -> None:
        queue = kind()
        await queue.join()  # nothing unfinished
        queue.put_nowait(1)
        joined = asyncio.ensure_future(queue.join())
        await asyncio.sleep(0)
        assert not joined.done()
        queue.get_nowait()
        queue.task_done()
        await asyncio.wait_for(joined, 1)
        with pytest.raises(ValueError):
            queue.task_done()

    asyncio.run(run())
