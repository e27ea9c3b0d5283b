"""Keep the garbage collector's full passes short while thousands of sessions are connected.

Every MQTT session is a few hundred long-lived Python objects. With 10,000 of them a full
(generation 2) collection walks about a gigabyte of objects and stops the loop for over a second
(`benchmarks/scenario_fleet.py` counts them): every message arriving meanwhile waits. Every
`WAVE` connections, and once the rest of a wave has settled, the objects alive are moved out of
the collector's reach (`gc.freeze`, CPython's facility for long-lived heaps), so later full passes
only walk what is new: at most one wave's sessions. A young collection before each freeze keeps
the connection's short-lived garbage out of it. Objects frozen stay until `release()` (the
broker's stop) gives them back to the collector; garbage frozen with them is reclaimed then.
"""

from __future__ import annotations

import asyncio
import gc

WAVE = 1_000  # connections since the last freeze that are frozen at once
QUIET_SECONDS = 1.0  # no new connection for this long: the rest of a wave is frozen too


class SessionHeap:
    def __init__(self, wave: int = WAVE, quiet: float = QUIET_SECONDS) -> None:
        self.wave, self.quiet = wave, quiet
        self.connected_since_freeze = 0
        self.freezes = 0
        self._last_connect = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def connected(self) -> None:
        """A session was accepted (on the broker's loop)."""
        loop = asyncio.get_running_loop()
        self.connected_since_freeze += 1
        self._last_connect = loop.time()
        if self.connected_since_freeze >= self.wave:
            self._freeze()
        elif self.freezes and self._timer is None:
            self._timer = loop.call_later(self.quiet, self._settle)

    def _settle(self) -> None:
        loop = asyncio.get_running_loop()
        waited = loop.time() - self._last_connect
        if waited < self.quiet:
            self._timer = loop.call_later(self.quiet - waited, self._settle)
            return
        self._timer = None
        if self.connected_since_freeze:
            self._freeze()

    def _freeze(self) -> None:
        gc.collect(1)  # the young generations' garbage (handshakes, CONNECT parsing) is not frozen with them
        gc.freeze()
        self.connected_since_freeze = 0
        self.freezes += 1

    def release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.freezes:
            gc.unfreeze()
            self.freezes = 0
