"""An asyncio.Queue in a few hundred bytes, for the queues every MQTT session carries and rarely uses.

amqtt gives each session and its protocol handler four `asyncio.Queue`s (pending subscriptions and
unsubscriptions, delivered and retained messages). Each one allocates four deques up front (its
items, waiting getters, waiting putters and the `join()` event's waiters): about 3 KiB per queue,
over 100 MB for 10,000 idle devices whose queues stay empty. `LeanQueue` keeps the same interface
and semantics (FIFO, `maxsize`, blocking `get`/`put`, `QueueEmpty`/`QueueFull`, cancellation) with
a list for the items and waiter lists made only when someone waits.
"""

from __future__ import annotations

import asyncio
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class LeanQueue(asyncio.Queue[T], Generic[T]):  # a subclass so amqtt's annotations and isinstance hold
    def __init__(self, maxsize: int = 0) -> None:  # no super().__init__: that allocates the deques
        self._maxsize = maxsize
        self._items: list[T] = []
        self._getters: list[asyncio.Future[None]] | None = None
        self._putters: list[asyncio.Future[None]] | None = None
        self._unfinished_tasks = 0
        self._done: asyncio.Event | None = None

    def __repr__(self) -> str:
        return f"<LeanQueue maxsize={self._maxsize} items={len(self._items)}>"

    @property
    def maxsize(self) -> int:
        return self._maxsize

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items

    def full(self) -> bool:
        return 0 < self._maxsize <= len(self._items)

    def put_nowait(self, item: T) -> None:
        if self.full():
            raise asyncio.QueueFull
        self._items.append(item)
        self._unfinished_tasks += 1
        if self._done is not None:
            self._done.clear()
        _wake_one(self._getters)

    def get_nowait(self) -> T:
        if not self._items:
            raise asyncio.QueueEmpty
        item = self._items.pop(0)
        _wake_one(self._putters)
        return item

    async def put(self, item: T) -> None:
        while self.full():
            if self._putters is None:
                self._putters = []
            await self._wait(self._putters, lambda: not self.full())
        self.put_nowait(item)

    async def get(self) -> T:
        while not self._items:
            if self._getters is None:
                self._getters = []
            await self._wait(self._getters, lambda: bool(self._items))
        return self.get_nowait()

    async def _wait(self, waiters: list[asyncio.Future[None]], ready: Any) -> None:
        waiter = asyncio.get_running_loop().create_future()
        waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and ready():
                _wake_one(waiters)  # woken, then cancelled: pass the wake-up on
            raise
        finally:
            if waiter in waiters:
                waiters.remove(waiter)

    def task_done(self) -> None:
        if self._unfinished_tasks <= 0:
            raise ValueError("task_done() called too many times")
        self._unfinished_tasks -= 1
        if self._unfinished_tasks == 0 and self._done is not None:
            self._done.set()

    async def join(self) -> None:
        if self._unfinished_tasks:
            if self._done is None:
                self._done = asyncio.Event()
            await self._done.wait()


def _wake_one(waiters: list[asyncio.Future[None]] | None) -> None:
    for waiter in waiters or ():
        if not waiter.done():
            waiter.set_result(None)
            return
