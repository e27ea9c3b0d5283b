"""Core figures: reset time, in-process request throughput, the cost of transactions (rollback,
core/undo.py) per changing request, `olt-sim serve` startup to first 200.

Run: python benchmarks/core.py  (medians of several rounds; the machine is shared and noisy)

Transactions (rollback), recorded 2026-12-04 on 2 shared cores, off/on interleaved in one run
(13:47 UTC, after the rollback hooks moved to `__getattribute__` and came off between transactions):
    µs per request            100 devices        10,000 devices
    PATCH /devices/{id}       329 -> 367 (+39)   328 -> 361 (+33)
    POST /devices             304 -> 346 (+41)   308 -> 335 (+26)
    ingestData (backend)       16 ->  44 (+28)    18 ->  45 (+27)
(ingestData with an actor named, as HTTP calls it: a transaction. An MQTT uplink in serve mode runs
without one, mqtt/bridge.py.) Reset of the seeded world: ~320 µs.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx

from simulator.api.app import create_app
from simulator.runtime import Simulator
from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.inputs import NewDevice
from simulator.settings import Settings

ROUNDS = 5


def median_of(samples: list[float]) -> float:
    return statistics.median(samples)


def bench_reset() -> dict[str, float]:
    results = {}
    for label, seeded in (("seeded world", True), ("empty world", False)):
        sim = Simulator(Settings(clock="manual", seed_world=seeded))
        rounds = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            for _ in range(1000):
                sim.reset()
            rounds.append((time.perf_counter() - start) / 1000 * 1e6)
        results[label] = median_of(rounds)
    return results


async def _throughput(path: str, seconds: float = 2.0, concurrency: int = 8) -> float:
    sim = Simulator(Settings(clock="manual", public_url="http://testserver"))
    app = create_app(sim)
    token = sim.token_for_user("owner@example.com")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"Authorization": f"Bearer {token}"}
    ) as client:
        done = 0
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                response = await client.get(path)
                assert response.status_code < 500, response.text
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return done / (time.perf_counter() - start)


def bench_in_process() -> dict[str, float]:
    paths = {"GET /device-types": "/v1/device-types?pageSize=20", "GET /_sim/clock": "/_sim/clock"}
    return {label: median_of([asyncio.run(_throughput(path)) for _ in range(ROUNDS)]) for label, path in paths.items()}


@contextlib.contextmanager
def transactions(on: bool) -> Iterator[None]:
    """Transactions as shipped, or switched off (what the code did before rollback existed)."""
    if on:
        yield
        return
    shipped = Simulator.transaction
    Simulator.transaction = lambda self: contextlib.nullcontext()  # type: ignore[assignment,method-assign,return-value]
    try:
        yield
    finally:
        Simulator.transaction = shipped  # type: ignore[method-assign]


def world_of(devices: int) -> tuple[Simulator, list[str], str]:
    sim = Simulator(Settings(clock="manual", public_url="http://testserver"))
    tenant = sim.world.tenant_id
    with transactions(False):
        schema = {"configuration": {"b": {}}, "attributes": {"t": {"type": "number"}}}
        rules = [{"path": "$.attributes.t", "reportTo": ["timeseries"]}]
        dtype = sim.device_types.create_device_type(tenant, NewDeviceType("Lamp", schema, reporting_rules=rules))
        lamps = (NewDevice(f"lamp {i}", dtype.id, tags=["hall"], configuration={"b": i}) for i in range(devices))
        ids = [sim.devices.create_device(tenant, lamp).id for lamp in lamps]
    return sim, ids, dtype.id


async def _changes(sim: Simulator, ids: list[str], type_id: str, requests: int = 400) -> dict[str, float]:
    """Microseconds per sequential PATCH /devices/{id} and POST /devices (one client, no concurrency)."""
    token = sim.token_for_user("owner@example.com")
    transport = httpx.ASGITransport(app=create_app(sim))
    results = {}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver/v1", headers={"Authorization": f"Bearer {token}"}
    ) as client:
        for label in ("PATCH /devices/{id}", "POST /devices"):
            start = time.perf_counter()
            for i in range(requests):
                if label.startswith("PATCH"):
                    body = {"info": {"name": f"renamed {i}"}, "configuration": {"b": i}}
                    response = await client.patch(f"/devices/{ids[i % len(ids)]}", json=body)
                else:
                    info = {"name": f"new {i}", "deviceTypeId": type_id}
                    response = await client.post("/devices", json={"info": info})
                assert response.status_code < 300, response.text
            results[label] = (time.perf_counter() - start) / requests * 1e6
    return results


def _ingests(sim: Simulator, ids: list[str], calls: int = 2000) -> float:
    """Microseconds per data-ingest call as an HTTP caller makes it (an actor named: recorded,
    so a transaction), in process, one timeseries point per call."""
    from simulator.core.actors import Actor, acting_as

    tenant = sim.world.tenant_id
    start = time.perf_counter()
    with acting_as(Actor("Bench")):
        for i in range(calls):
            device = ids[i % len(ids)]
            sim.ingest.ingest_data(tenant, sender_id=device, device_id=device, kind="attributes", value={"t": i})
    return (time.perf_counter() - start) / calls * 1e6


def bench_transactions() -> dict[str, tuple[float, float]]:
    """(off, on) medians in µs per request, rounds interleaved so both see the same machine load."""
    samples: dict[str, dict[bool, list[float]]] = {}
    for devices in (100, 10_000):
        sim, ids, type_id = world_of(devices)
        for _ in range(ROUNDS):
            for on in (False, True):
                with transactions(on):
                    measured = asyncio.run(_changes(sim, ids, type_id))
                    measured["ingestData (backend)"] = _ingests(sim, ids)
                    for label, micros in measured.items():
                        samples.setdefault(f"{label}, {devices} devices", {False: [], True: []})[on].append(micros)
    return {label: (median_of(runs[False]), median_of(runs[True])) for label, runs in samples.items()}


def bench_startup() -> float:
    samples = []
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulator.cli", "serve", "--port", "0", "--empty"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert proc.stdout is not None
            url = None
            for line in proc.stdout:
                found = re.search(r"API:\s+(http://\S+)/v1", line)
                if found:
                    url = found.group(1)
                    break
            assert url, "serve did not print its URL"
            while httpx.get(f"{url}/_sim/clock").status_code != 200:
                time.sleep(0.01)
            samples.append(time.perf_counter() - start)
        finally:
            proc.terminate()
            proc.wait(10)
    return median_of(samples)


def main() -> None:
    resets = bench_reset()
    for label, micros in resets.items():
        print(f"reset ({label}): median {micros:.0f} µs")
    for label, rate in bench_in_process().items():
        print(f"in-process {label}: median {rate:.0f} req/s (httpx ASGITransport, 8 concurrent)")
    for label, (off, on) in bench_transactions().items():
        print(f"in-process {label}: median {off:.0f} µs without, {on:.0f} µs with transactions (+{on - off:.0f} µs)")
    print(f"serve startup to first 200: median {bench_startup():.2f} s")


if __name__ == "__main__":
    main()
