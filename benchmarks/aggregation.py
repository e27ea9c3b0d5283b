"""Aggregated-query latency over 1,000,000 points (30 days, mean, 1h frames = 720 frames).

Figures (medians): the aggregation itself on the sorted series, the same with a value mix that
forces the type-checking path, the whole HTTP read in-process (getDeviceAggregatedTimeseries), a
one-day window (range read cost independent of series length), and a naive scan that filters
and groups the whole series for comparison.

Run: python benchmarks/aggregation.py
"""

from __future__ import annotations

import asyncio
import math
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx

from simulator.api.app import create_app
from simulator.runtime import Simulator
from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.inputs import NewDevice
from simulator.services.timeseries.aggregation import aggregate
from simulator.services.timeseries.storage import Series
from simulator.settings import Settings

POINTS = 1_000_000
DAYS = 30
START = 1_767_225_600.0 - DAYS * 86_400  # 30 days before the manual clock's start
END = START + DAYS * 86_400
ROUNDS = 7
PATH = "$.attributes.temperature"


def filled(values: Callable[[int], Any]) -> Series:
    series = Series()
    step = (END - START) / POINTS
    for i in range(POINTS):
        series.append(START + i * step, values(i))
    return series


def median_ms(fn: Callable[[], Any], rounds: int = ROUNDS) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def naive_mean(series: Series, start: float, end: float) -> list[tuple[float, float]]:
    """What a store without sorted ranges does: scan and group every point."""
    groups: dict[float, list[float]] = {}
    for t, v in zip(series.times, series.values, strict=True):
        if start <= t < end:
            groups.setdefault(math.floor(t / 3600) * 3600, []).append(v)
    return [(k, sum(g) / len(g)) for k, g in sorted(groups.items(), reverse=True)]


async def http_latency(sim: Simulator, device: str) -> float:
    headers = {"Authorization": f"Bearer {sim.token_for_user('owner@example.com')}"}
    params = {
        "path": PATH,
        "startTime": "2025-12-02T00:00:00Z",
        "endTime": "2026-01-01T00:00:00Z",
        "aggregation": "mean",
        "frameSize": "1h",
    }
    transport = httpx.ASGITransport(app=create_app(sim))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver/v1", headers=headers) as client:
        samples = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            response = await client.get(f"/devices/{device}/aggregated-timeseries", params=params)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200 and len(response.json()["data"]) == 720, response.text
        return statistics.median(samples)


def main() -> None:
    rng = random.Random(0)
    started = time.perf_counter()
    numeric = filled(lambda i: 20 + rng.random() * 5)
    fill_s = time.perf_counter() - started
    mixed = filled(lambda i: True if i % 97 == 0 else 20 + (i % 50) / 10)

    backend = median_ms(lambda: aggregate(numeric, START, END, "mean", "1h"))
    typed = median_ms(lambda: aggregate(mixed, START, END, "mean", "1h"))
    one_day = median_ms(lambda: aggregate(numeric, END - 86_400, END, "mean", "1h"))
    naive = median_ms(lambda: naive_mean(numeric, START, END), rounds=3)
    assert len(aggregate(numeric, START, END, "mean", "1h")) == 720

    sim = Simulator(Settings(clock="manual", public_url="http://testserver"))
    tenant = sim.world.tenant_id
    dtype = sim.device_types.create_device_type(
        tenant,
        NewDeviceType(
            "bench",
            {"attributes": {"temperature": {"type": "number"}}},
            reporting_rules=[{"path": PATH, "reportTo": ["timeseries"]}],
        ),
    )
    device = sim.devices.create_device(tenant, NewDevice("bench", dtype.id)).id
    sim.state.timeseries.devices.setdefault(tenant, {}).setdefault(device, {})[PATH] = numeric
    http = asyncio.run(http_latency(sim, device))

    print(f"Aggregated query over {POINTS:,} points, {DAYS} days, mean, 1h frames (medians of {ROUNDS})")
    print(f"  filling the series (in-order appends)   {fill_s * 1000:9.1f} ms  ({POINTS / fill_s:,.0f} points/s)")
    print(f"  aggregate() numeric series              {backend:9.2f} ms")
    print(f"  aggregate() mixed values (typed path)   {typed:9.2f} ms")
    print(f"  aggregate() last day only (24 frames)   {one_day:9.2f} ms")
    print(f"  HTTP GET aggregated-timeseries in-proc  {http:9.2f} ms")
    print(f"  naive full scan + group (reference)     {naive:9.2f} ms")
    print(f"  ratio naive / aggregate()               {naive / backend:9.1f}")
    print(f"  ratio HTTP / aggregate()                {http / backend:9.1f}")


if __name__ == "__main__":
    main()
