"""HTTP data-ingest throughput through the full pipeline (validate, state, reporting rules, timeseries, bus).

Figures, medians of several rounds: the backend alone (sim.ingest.ingest_data, no HTTP); the ASGI
app in-process (requests driven straight into the app, so no client library cost is counted; a
plain GET /devices/{id} as baseline); and the real server on loopback sockets (uvicorn in its loop
thread, minimal keep-alive clients in separate processes). Ratios show what HTTP costs on top of
the pipeline and what the pipeline costs against a plain authenticated GET.

Run: python benchmarks/ingest_http.py
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from simulator.api.app import create_app
from simulator.runtime import Simulator
from simulator.server import ThreadedServer
from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.inputs import NewDevice
from simulator.settings import Settings

ROUNDS = 5
SECONDS = 2.0
CONCURRENCY = 8
CLIENT_PROCESSES = 4
DEVICE_TYPE = {
    "name": "bench sensor",
    "schema": {"attributes": {"temperature": {"type": "number"}, "humidity": {"type": "number"}}},
    "reportingRules": [{"path": "$.attributes.temperature", "reportTo": ["timeseries"]}],
}


def setup_device(sim: Simulator) -> str:
    tenant = sim.world.tenant_id
    dtype = sim.device_types.create_device_type(tenant, NewDeviceType.from_api(DEVICE_TYPE))
    return sim.devices.create_device(tenant, NewDevice("bench", dtype.id)).id


def message(device_id: str, i: int) -> dict[str, Any]:
    return {
        "senderId": device_id,
        "deviceId": device_id,
        "type": "attributes",
        "value": {"temperature": 20 + i % 10, "humidity": 40},
    }


def asgi_request(method: str, path: str, token: str, body: bytes = b"") -> Callable[[Any], Awaitable[int]]:
    """One request driven straight into the ASGI app (no HTTP client in the way); returns the status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 5000),
        "headers": [
            (b"host", b"testserver"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }

    async def run(app: Any) -> int:
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(dict(scope), receive, send)
        return status

    return run


async def asgi_rate(app: Any, request: Callable[[Any], Awaitable[int]], expect: int) -> float:
    """Requests per second of CONCURRENCY tasks for SECONDS."""
    done = 0
    deadline = time.perf_counter() + SECONDS

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            status = await request(app)
            assert status == expect, status
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


def bench_in_process(ingest: bool) -> float:
    samples = []
    for _ in range(ROUNDS):
        sim = Simulator(Settings(clock="manual", public_url="http://testserver"))
        device = setup_device(sim)
        token = sim.token_for_user("owner@example.com")
        if ingest:
            request = asgi_request("POST", "/v1/data-ingest", token, json.dumps(message(device, 0)).encode())
        else:
            request = asgi_request("GET", f"/v1/devices/{device}", token)
        samples.append(asyncio.run(asgi_rate(create_app(sim), request, 202 if ingest else 200)))
    return statistics.median(samples)


def socket_worker(port: int, request: bytes, seconds: float) -> int:
    """A minimal keep-alive HTTP/1.1 client in its own process (no GIL shared with the server)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer, done = b"", 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        sock.sendall(request)
        while b"\r\n\r\n" not in buffer:
            buffer += sock.recv(65536)
        head, _, rest = buffer.partition(b"\r\n\r\n")
        assert head.split(b" ", 2)[1] == b"202", head
        lines = head.lower().split(b"\r\n")
        length = next(int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length"))
        while len(rest) < length:
            rest += sock.recv(65536)
        buffer, done = rest[length:], done + 1
    sock.close()
    return done


def bench_sockets() -> float:
    settings = Settings(host="127.0.0.1", port=0, mqtt_port=None, mqtts_port=None, clock="manual")
    samples = []
    with ThreadedServer(Simulator(settings)) as server, ProcessPoolExecutor(CLIENT_PROCESSES) as pool:
        port = server.sim.info["httpPort"]
        for _ in range(ROUNDS):
            device = server.call(lambda: setup_device(server.sim))
            token = server.call(lambda: server.sim.token_for_user("owner@example.com"))
            body = json.dumps(message(device, 0)).encode()
            request = (
                f"POST /v1/data-ingest HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            start = time.perf_counter()
            counts = list(pool.map(socket_worker, *zip(*[(port, request, SECONDS)] * CLIENT_PROCESSES, strict=True)))
            samples.append(sum(counts) / (time.perf_counter() - start))
            server.call(server.sim.reset)
    return statistics.median(samples)


def main() -> None:
    print(
        f"HTTP ingest through the full pipeline (medians of {ROUNDS} rounds of {SECONDS:.0f} s; "
        f"{CONCURRENCY} ASGI tasks, {CLIENT_PROCESSES} socket client processes)"
    )
    backend = bench_backend()
    in_process = bench_in_process(ingest=True)
    plain_get = bench_in_process(ingest=False)
    sockets = bench_sockets()
    print(f"  backend only (sim.ingest.ingest_data)   {backend:10,.0f} msg/s")
    print(f"  in-process ASGI POST /data-ingest       {in_process:10,.0f} msg/s")
    print(f"  in-process ASGI GET /devices/{{id}}      {plain_get:10,.0f} req/s  (baseline)")
    print(f"  loopback sockets POST /data-ingest      {sockets:10,.0f} msg/s")
    print(f"  ratio in-process ingest / plain GET     {in_process / plain_get:10.2f}")
    print(f"  ratio in-process ingest / backend only  {in_process / backend:10.3f}")
    print(f"  ratio sockets / in-process ingest       {sockets / in_process:10.2f}")


if __name__ == "__main__":
    main()
