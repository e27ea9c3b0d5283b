"""Save the world every `interval` seconds while something changed (the dirty flag).

Anything that changes the world either publishes a domain event on the bus (ingest, devices,
scenario devices, audit ...) or arrives as a non-GET request (/_sim/reset, /_sim/clock/advance,
PUT /_sim/snapshot, OIDC): both set the flag. The snapshot is taken on the loop (consistent, no
locks); encoding and fsync run in a thread. On a large world taking the snapshot costs loop time,
so the wait between saves stretches to keep that under `MAX_LOOP_SHARE` of the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.core.events import DomainEvent
from simulator.persistence.scenario_devices import describe
from simulator.persistence.world_files import Resumed, StateDirError, WorldFiles
from simulator.scenario.fleet import Provisioned

if TYPE_CHECKING:
    from simulator.runtime import Simulator

log = logging.getLogger(__name__)
#: Share of the event loop's time that taking snapshots may use; above it saves come less often.
MAX_LOOP_SHARE = 0.10
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Persister:
    def __init__(self, sim: Simulator, state_dir: Path, interval: float = 1.0) -> None:
        self.sim = sim
        self.files = WorldFiles(state_dir)
        self.interval = interval
        self.dirty = True
        self.saves = 0
        self.loop_seconds = 0.0  # on-loop cost of the last snapshot
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe = sim.bus.subscribe(DomainEvent, self._changed, batch=self._changed, after_commit=True)

    def remember_scenario(self, name: str, made: Provisioned) -> None:
        """Save which devices the running scenario made (see scenario_devices.py)."""
        self.files.scenario = describe(name, made)
        self.dirty = True

    def _changed(self, event: object = None) -> None:
        self.dirty = True

    def resume(self, fresh: bool = False) -> Resumed | None:
        """Load the saved world (None when there is none, or with `fresh`); StateDirError if it cannot be."""
        if fresh:
            self.files.wipe()
            return None
        if not self.files.exists():
            return None
        resumed = self.files.load(self.sim)
        self.dirty = resumed.recovered_from is not None
        return resumed

    def watch(self, app: Any) -> Any:
        """The ASGI app, setting the dirty flag for every request that may change something."""

        async def watched(scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope.get("method") not in READ_METHODS:
                self.dirty = True
            await app(scope, receive, send)

        return watched

    async def save(self) -> None:
        """One save now; a failure is logged and retried at the next interval (the server keeps serving)."""
        self.dirty = False
        started = time.perf_counter()
        try:
            job = self.files.prepare(self.sim)
            self.loop_seconds = time.perf_counter() - started
            await asyncio.to_thread(job)
        except OSError as exc:
            self.dirty = True
            log.error("olt-sim: cannot save the world to %s: %s", self.files.dir, exc)
            return
        except Exception:
            self.dirty = True
            log.exception("olt-sim: the world could not be saved to %s", self.files.dir)
            return
        self.saves += 1

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(max(self.interval, self.loop_seconds / MAX_LOOP_SHARE))
            if self.dirty:
                await self.save()

    async def stop(self) -> None:
        """A last save, so a clean stop loses nothing."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.save()
        self._unsubscribe()


__all__ = ["Persister", "Resumed", "StateDirError"]
