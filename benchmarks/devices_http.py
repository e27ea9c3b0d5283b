"""GET /devices (tag filter, pageSize 20, 10,000 devices) and POST /devices over real sockets.

Three servers, each a separate one-process server on a free loopback port, driven by a separate
load-generator process (wrk when installed, else a small multi-process asyncio client):

* ours   - the simulator (stateful, authenticated, contract-validated);
* prism  - Stoplight Prism mocking contracts/olt-openapi.yaml, logging silenced (skipped when npx
           is missing; install it with `npm install --prefix /tmp/prism @stoplight/prism-cli`);
* bare   - a bare Starlette handler of the same shape on the same uvicorn: the ceiling of our stack.

Usage: python benchmarks/devices_http.py [--duration 8] [--runs 3] [--connections 32]
Prints the median requests/s per server and operation, and ours/prism and ours/bare ratios.

Recorded (2 cores shared with other busy processes, load average 2-3, wrk -t1 -c32, 5 runs x 8 s):
    requests/s        ours   bare   prism    ours/prism  ours/bare
    GET /devices      1299   1659     435       2.99        0.78
    POST /devices     1034   2014     371       2.79        0.51
Prism is slow on this contract (a 1-operation document serves ~750/s on the same machine).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.inputs import NewDevice

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "contracts" / "olt-openapi.yaml"
TAGS = [f"floor-{i}" for i in range(10)]  # every tag is on 1,000 of the 10,000 devices
OPERATIONS = ("GET /devices", "POST /devices")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------- servers (child processes)


def serve_ours(devices: int) -> None:
    """The simulator with `devices` devices in the demo tenant; prints READY {port, token, typeId}."""
    from simulator.runtime import Simulator
    from simulator.server import AppServer
    from simulator.settings import Settings

    sim = Simulator(Settings(host="127.0.0.1", port=0, mqtt_port=None, mqtts_port=None, clock="realtime"))
    tenant = sim.world.tenant_id
    schema = {"configuration": {"brightness": {"type": "number", "minimum": 0, "maximum": 100}}}
    dtype = sim.device_types.create_device_type(tenant, NewDeviceType("Bench lamp", schema))
    for i in range(devices):
        new = NewDevice(
            f"lamp {i}",
            dtype.id,
            tags=[TAGS[i % len(TAGS)]],
            aliases=[f"mac-{i}"],
            configuration={"brightness": i % 100},
        )
        sim.devices.create_device(tenant, new)

    async def main() -> None:
        server = AppServer(sim)
        await server.start()
        token = sim.token_for_user("owner@example.com")  # after start: the issuer names the real port
        ready = {"port": sim.info["httpPort"], "token": token, "typeId": dtype.id}
        print("READY " + json.dumps(ready), flush=True)
        await server.serve_forever()

    asyncio.run(main())


def serve_bare() -> None:
    """The ceiling: the same two routes on the same uvicorn, no auth, no validation, no state."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    device = {
        "id": "383b8c61-a9c7-487f-b4e1-66fad753e546",
        "info": {
            "name": "lamp 1",
            "deviceTypeId": "04f14462-b44f-493c-aa2c-dd6d1c439ec3",
            "description": "",
            "installationTimestamp": None,
            "tags": ["floor-3"],
            "connectedBy": None,
            "location": "",
            "aliases": ["mac-1"],
            "coordinates": {},
        },
        "configuration": {"brightness": 1},
        "custom": {},
        "createdAt": "2026-01-01T00:00:00.000Z",
        "updatedAt": "2026-01-01T00:00:00.000Z",
        "tenantId": "b1747579-355d-4b7a-aa72-c2336d3a7211",
    }
    meta = {"page": 0, "pageSize": 20, "itemsTotal": 1000, "pagesTotal": 50}

    async def devices(request: Request) -> Response:
        if request.method == "POST":
            body = json.loads(await request.body())
            info = {**device["info"], **body["info"]}
            created = {**device, "info": info, "configuration": body.get("configuration", {})}
            return Response(json.dumps({"data": created}, separators=(",", ":")), 201, media_type="application/json")
        page = {"data": [device] * 20, "meta": meta}
        return Response(json.dumps(page, separators=(",", ":")), media_type="application/json")

    app = Starlette(routes=[Route("/v1/devices", devices, methods=["GET", "POST"])])
    # IPPROTO_TCP, as simulator.server.bind does: asyncio then sets TCP_NODELAY (else ~40 ms per response)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))  # the OS picks the port: no race with other loopback traffic
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    print("READY " + json.dumps({"port": sock.getsockname()[1]}), flush=True)
    server.run(sockets=[sock])


@contextmanager
def child(args: list[str], url: str | None = None) -> Iterator[dict[str, Any]]:
    """Start a server process; yield what it printed after READY (our servers) or {} (Prism at `url`)."""
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE if url is None else subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True
    )
    info: dict[str, Any] = {}
    try:
        if url is None:
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("READY "):
                    info = json.loads(line[len("READY ") :])
                    break
            url = f"http://127.0.0.1:{info['port']}/v1/devices"
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                httpx.get(url, timeout=2)
                break
            except httpx.HTTPError:
                if process.poll() is not None:
                    raise RuntimeError(f"{args} exited early") from None
                time.sleep(0.2)
        else:
            raise RuntimeError(f"{args} did not start")
        yield info
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def prism_command(port: int) -> list[str] | None:
    """Prism's fastest configuration: static examples, logging silenced, no CORS work."""
    local = Path(os.environ.get("PRISM_PREFIX", "/tmp/prism")) / "node_modules" / ".bin" / "prism"
    options = ["mock", str(CONTRACT), "-h", "127.0.0.1", "-p", str(port), "-v", "silent", "--cors", "false"]
    if local.exists():
        return [str(local), *options]
    npx = shutil.which("npx")
    if npx is None:
        return None
    return [npx, "--yes", "@stoplight/prism-cli", *options]


# --------------------------------------------------------------------------- load generation


def run_wrk(url: str, method: str, body: str | None, token: str, duration: float, connections: int) -> float:
    lua = f'wrk.method = "{method}"\nwrk.headers["Authorization"] = "Bearer {token}"\n'
    if body is not None:
        lua += f'wrk.headers["Content-Type"] = "application/json"\nwrk.body = {json.dumps(body)}\n'
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{int(duration)}s", "-s", script.name, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script.name)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{method} {url}: {errors.group(1)} error responses\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert match, out
    return float(match.group(1))


async def _client_worker(host: str, port: int, request: bytes, until: float) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    done = 0
    while time.time() < until:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
        await reader.readexactly(length)
        if status >= 400:
            raise RuntimeError(f"status {status}")
        done += 1
    writer.close()
    return done


def _client_process(args: tuple[str, int, bytes, float, int]) -> int:
    host, port, request, until, connections = args

    async def main() -> int:
        return sum(await asyncio.gather(*(_client_worker(host, port, request, until) for _ in range(connections))))

    return asyncio.run(main())


def run_python_load(url: str, method: str, body: str | None, token: str, duration: float, connections: int) -> float:
    """Fallback when wrk is missing: keep-alive HTTP/1.1 from two processes (slower than wrk)."""
    parsed = httpx.URL(url)
    target = parsed.raw_path.decode()
    payload = (body or "").encode()
    head = f"{method} {target} HTTP/1.1\r\nHost: {parsed.host}:{parsed.port}\r\nAuthorization: Bearer {token}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
    request = head.encode() + b"\r\n" + payload
    processes = 2
    start = time.perf_counter()
    until = time.time() + duration
    with multiprocessing.Pool(processes) as pool:
        per = max(1, connections // processes)
        counts = pool.map(_client_process, [(parsed.host, parsed.port or 80, request, until, per)] * processes)
    return sum(counts) / (time.perf_counter() - start)


# --------------------------------------------------------------------------- the run


def measure(base: str, token: str, type_id: str, duration: float, connections: int) -> dict[str, float]:
    load = run_wrk if shutil.which("wrk") else run_python_load
    get_url = f"{base}/devices?pageSize=20&deviceTag=floor-3"
    post = json.dumps(
        {
            "info": {"name": "bench", "deviceTypeId": type_id, "tags": ["Bench"], "aliases": ["a1"]},
            "configuration": {"brightness": 10},
        }
    )
    return {
        "GET /devices": load(get_url, "GET", None, token, duration, connections),
        "POST /devices": load(f"{base}/devices", "POST", post, token, duration, connections),
    }


def prism_base(port: int, token: str) -> str:
    """Prism serves the document's paths with or without the server's /v1 prefix, depending on version."""
    for base in (f"http://127.0.0.1:{port}/v1", f"http://127.0.0.1:{port}"):
        headers = {"Authorization": f"Bearer {token}"}
        response = httpx.get(f"{base}/devices?pageSize=20&deviceTag=floor-3", headers=headers)
        if response.status_code == 200:
            return base
    raise RuntimeError(f"Prism does not answer GET /devices with 200 ({response.status_code}: {response.text[:200]})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per measurement")
    parser.add_argument("--runs", type=int, default=3, help="measurements per server and operation (median)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--serve", choices=["ours", "bare"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "ours":
        return serve_ours(args.devices)
    if args.serve == "bare":
        return serve_bare()

    print(
        f"load generator: {'wrk' if shutil.which('wrk') else 'python asyncio (wrk not installed)'}, "
        f"{args.connections} connections, {args.duration:.0f} s x {args.runs} runs, {args.devices} devices"
    )
    me = [sys.executable, str(Path(__file__).resolve())]
    results: dict[str, dict[str, list[float]]] = {}
    with (
        child([*me, "--serve", "ours", "--devices", str(args.devices)]) as ours,
        child([*me, "--serve", "bare"]) as bare,
        prism_server() as prism_port,
    ):
        token, type_id = ours["token"], ours["typeId"]
        bases = {"ours": f"http://127.0.0.1:{ours['port']}/v1", "bare": f"http://127.0.0.1:{bare['port']}/v1"}
        if prism_port is not None:
            bases["prism"] = prism_base(prism_port, token)
        for base in bases.values():  # warm up: caches, JIT, connection setup
            measure(base, token, type_id, 1, args.connections)
        for run in range(args.runs):
            for name, base in bases.items():
                for operation, rate in measure(base, token, type_id, args.duration, args.connections).items():
                    results.setdefault(name, {}).setdefault(operation, []).append(rate)
            done = ", ".join(f"{n} {op.split()[0]} {results[n][op][-1]:.0f}" for n in results for op in OPERATIONS)
            print(f"run {run + 1}/{args.runs}: {done}", flush=True)
    report(results)


@contextmanager
def prism_server() -> Iterator[int | None]:
    """Prism on a free port (retried: its port is chosen before it binds), or None without npx."""
    for _ in range(3):
        port = free_port()
        command = prism_command(port)
        if command is None:
            print("Prism skipped: npx is not installed (npm install --prefix /tmp/prism @stoplight/prism-cli)")
            yield None
            return
        try:
            server = child(command, f"http://127.0.0.1:{port}/")
            server.__enter__()
        except RuntimeError:
            continue
        try:
            yield port
        finally:
            server.__exit__(None, None, None)
        return
    raise RuntimeError("Prism did not start")


def report(results: dict[str, dict[str, list[float]]]) -> None:
    medians = {name: {op: statistics.median(rates) for op, rates in ops.items()} for name, ops in results.items()}
    print(f"\n{'requests/s (median)':<22}" + "".join(f"{name:>10}" for name in medians))
    for op in OPERATIONS:
        print(f"{op:<22}" + "".join(f"{medians[name][op]:>10.0f}" for name in medians))
    for op in OPERATIONS:
        ours = medians["ours"][op]
        parts = [f"ours/bare {ours / medians['bare'][op]:.2f} (goal >= 0.60)"]
        if "prism" in medians:
            parts.insert(0, f"ours/prism {ours / medians['prism'][op]:.2f} (goal >= 2.0)")
        print(f"{op:<22}" + ", ".join(parts))


if __name__ == "__main__":
    main()
