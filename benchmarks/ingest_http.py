"""HTTP data-ingest throughput through the full pipeline (validate, state, reporting rules, timeseries, bus).

Three figures, medians of several rounds: the backend alone (sim.ingest.ingest_data, no HTTP), the
in-process ASGI app (httpx.ASGITransport, no sockets) and the real server on loopback sockets
(uvicorn in its own thread, an asyncio httpx client with keep-alive connections). Ratios show what
HTTP costs on top of the pipeline, and what the pipeline costs against a plain GET.

Run: python benchmarks/ingest_http.py
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from simulator.api.app import create_app
from simulator.runtime import Simulator
from simulator.server import ThreadedServer
from simulator.settings import Settings

ROUNDS = 5
SECONDS = 2.0
CONCURRENCY = 8
DEVICE_TYPE = {
    "name": "bench sensor",
    "schema": {"attributes": {"temperature": {"type": "number"}, "humidity": {"type": "number"}}},
    "reportingRules": [{"path": "$.attributes.temperature", "reportTo": ["timeseries"]}],
}


def setup_device(sim: Simulator) -> str:
    tenant = sim.world.tenant_id
    dtype = sim.device_types.create_device_type(tenant, DEVICE_TYPE)
    return sim.devices.create_device(tenant, {"info": {"name": "bench", "deviceTypeId": dtype.id}}).id


def message(device_id: str, i: int) -> dict[str, Any]:
    return {"senderId": device_id, "deviceId": device_id, "type": "attributes",
            "value": {"temperature": 20 + i % 10, "humidity": 40}}


async def rate(client: httpx.AsyncClient, request: Callable[[int], Awaitable[httpx.Response]], expect: int) -> float:
    """Requests per second of CONCURRENCY workers for SECONDS."""
    done = 0
    deadline = time.perf_counter() + SECONDS

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            response = await request(done)
            assert response.status_code == expect, response.text
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return done / (time.perf_counter() - start)


def bench_backend() -> float:
    samples = []
    for _ in range(ROUNDS):
        sim = Simulator(Settings(clock="manual"))
        device = setup_device(sim)
        tenant, n = sim.world.tenant_id, 20_000
        start = time.perf_counter()
        for i in range(n):
            body = message(device, i)
            sim.ingest.ingest_data(tenant, sender_id=device, device_id=device, kind="attributes", value=body["value"])
        samples.append(n / (time.perf_counter() - start))
    return statistics.median(samples)


async def _in_process(path: str | None) -> float:
    sim = Simulator(Settings(clock="manual", public_url="http://testserver"))
    device = setup_device(sim)
    headers = {"Authorization": f"Bearer {sim.token_for_user('owner@example.com')}"}
    transport = httpx.ASGITransport(app=create_app(sim))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/v1", headers=headers) as client:
        if path is None:
            return await rate(client, lambda i: client.post("/data-ingest", json=message(device, i)), 202)
        return await rate(client, lambda i: client.get(path.format(device=device)), 200)


def bench_in_process(path: str | None) -> float:
    return statistics.median(asyncio.run(_in_process(path)) for _ in range(ROUNDS))


async def _sockets(server: ThreadedServer, device: str, token: str) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=server.base_url + "/v1", headers=headers, limits=limits) as client:
        return await rate(client, lambda i: client.post("/data-ingest", json=message(device, i)), 202)


def bench_sockets() -> float:
    settings = Settings(host="127.0.0.1", port=0, mqtt_port=None, mqtts_port=None, clock="manual")
    with ThreadedServer(Simulator(settings)) as server:
        device = server.call(lambda: setup_device(server.sim))
        token = server.call(lambda: server.sim.token_for_user("owner@example.com"))
        samples = []
        for _ in range(ROUNDS):
            samples.append(asyncio.run(_sockets(server, device, token)))
            server.call(server.sim.reset)
            device = server.call(lambda: setup_device(server.sim))
            token = server.call(lambda: server.sim.token_for_user("owner@example.com"))
        return statistics.median(samples)


def main() -> None:
    print(f"HTTP ingest through the full pipeline (medians of {ROUNDS} rounds, {CONCURRENCY} concurrent clients)")
    backend = bench_backend()
    in_process = bench_in_process(None)
    plain_get = bench_in_process("/devices/{device}")
    sockets = bench_sockets()
    print(f"  backend only (sim.ingest.ingest_data)   {backend:10,.0f} msg/s")
    print(f"  in-process ASGI POST /data-ingest       {in_process:10,.0f} msg/s")
    print(f"  in-process ASGI GET /devices/{{id}}       {plain_get:10,.0f} req/s  (baseline)")
    print(f"  loopback sockets POST /data-ingest      {sockets:10,.0f} msg/s")
    print(f"  ratio in-process ingest / plain GET     {in_process / plain_get:10.2f}")
    print(f"  ratio in-process ingest / backend only  {in_process / backend:10.3f}")
    print(f"  ratio sockets / in-process ingest       {sockets / in_process:10.2f}")


if __name__ == "__main__":
    main()
