"""Fleets over worker processes: one manifest split into slices, counters summed for the summary.

Each worker is a fresh process (spawn) with its own event loop (uvloop where installed), so a
fleet uses as many cores as it is given workers; a machine runs as many workers as it has cores
to spare, and more machines run more (`olt-sim fleet` on each).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import resource
from multiprocessing.connection import Connection

from simulator.fleets.counters import Counters
from simulator.fleets.manifest import Manifest

WORKER_GRACE = 120.0  # beyond the manifest's own time: connecting, draining, closing


def raise_open_file_limit() -> None:
    """Two sockets per device on one machine: take the hard limit (20,000 here)."""
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _worker_main(manifest_json: str, pipe: Connection) -> None:
    import asyncio

    from simulator.fleets.worker import run_worker
    from simulator.loops import run

    async def ready() -> None:
        """Tell the pool this worker's devices are connected; wait until every worker's are."""
        pipe.send("connected")
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)

    raise_open_file_limit()
    counters = run(run_worker(Manifest.from_json(manifest_json), ready))
    pipe.send(counters.as_dict())


def run_fleet(manifest: Manifest, workers: int = 1) -> tuple[Counters, list[Counters]]:
    """Run the manifest's devices over `workers` processes; (total, per worker)."""
    ctx = mp.get_context("spawn")
    running = []
    for part in manifest.split(workers):
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_worker_main, args=(part.to_json(), child), daemon=True)
        process.start()
        child.close()
        running.append((process, parent))
    for _process, pipe in running:  # every worker connected (or gone): all start reporting together
        if pipe.poll(manifest.connect_timeout + WORKER_GRACE):
            with contextlib.suppress(EOFError):
                pipe.recv()
    for _process, pipe in running:
        with contextlib.suppress(OSError):
            pipe.send("go")
    timeout = manifest.seconds + WORKER_GRACE
    results: list[Counters] = []
    for process, pipe in running:
        if pipe.poll(timeout):
            try:
                results.append(Counters.from_dict(pipe.recv()))
            except EOFError:
                results.append(Counters(devices=-1))
        else:
            results.append(Counters(devices=-1))  # a worker that never reported
        process.join(10)
        if process.is_alive():
            process.kill()
    total = Counters()
    for counted in results:
        total = total.add(counted)
    return total, results
