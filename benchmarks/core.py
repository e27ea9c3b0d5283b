"""Core figures: reset time, in-process request throughput, `olt-sim serve` startup to first 200.

Run: python benchmarks/core.py  (medians of several rounds; the machine is shared and noisy)
"""

from __future__ import annotations

import asyncio
import re
import statistics
import subprocess
import sys
import time

import httpx

from simulator.api.app import create_app
from simulator.runtime import Simulator
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
    print(f"serve startup to first 200: median {bench_startup():.2f} s")


if __name__ == "__main__":
    main()
