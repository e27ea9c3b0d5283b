"""What the HTTP fault hook costs: GET /v1/device-types in-process (httpx ASGITransport) with no rules,
with 20 rules that do not match, and with one rule that matches and fires with probability 0.

Usage: python benchmarks/faults_http.py [--requests 2000] [--runs 5]
Prints the median requests/s per case and its ratio to the case without rules.

Recorded (2 cores shared with other busy processes, load average 7-10, 2000 requests x 5-7 runs):
    case                      req/s   ratio        (a second run)
    no rules                   1655    1.00         1697   1.00
    20 rules, none match       1307    0.79         1608   0.95
    1 rule matches, p=0        1393    0.84         1742   1.03
Without rules the hook is one truthiness check; a rule costs ~2.5 us per request it is tested on.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import httpx

from simulator.api.app import create_app
from simulator.runtime import Simulator
from simulator.settings import Settings

CASES: dict[str, list[dict[str, Any]]] = {
    "no rules": [],
    "20 rules, none match": [
        {"match": {"operationId": "listDevices", "user": f"u{i}@example.com"}, "effect": {"status": 503}}
        for i in range(20)
    ],
    "1 rule matches, p=0": [{"match": {"path": "/v1/device-types"}, "effect": {"status": 503}, "probability": 0}],
}


async def rate(sim: Simulator, client: httpx.AsyncClient, rules: list[dict[str, Any]], requests: int) -> float:
    sim.faults.clear()
    for rule in rules:
        sim.faults.add(rule)
    started = time.perf_counter()
    for _ in range(requests):
        response = await client.get("/v1/device-types")
        assert response.status_code == 200
    return requests / (time.perf_counter() - started)


async def main(requests: int, runs: int) -> None:
    sim = Simulator(Settings(clock="manual"))
    token = sim.token_for_user("owner@example.com")
    transport = httpx.ASGITransport(app=create_app(sim))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers={"Authorization": f"Bearer {token}"}
    ) as client:
        await rate(sim, client, [], 200)  # warm up
        results: dict[str, list[float]] = {name: [] for name in CASES}
        for _ in range(runs):  # interleaved, so a busy moment of the machine hits every case alike
            for name, rules in CASES.items():
                results[name].append(await rate(sim, client, rules, requests))
    base = statistics.median(results["no rules"])
    print(f"{'case':<24}{'req/s':>8}{'ratio':>8}")
    for name, values in results.items():
        median = statistics.median(values)
        print(f"{name:<24}{median:>8.0f}{median / base:>8.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.requests, args.runs))
