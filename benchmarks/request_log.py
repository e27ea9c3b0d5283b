"""What the per-request console line costs: the RequestLog middleware around a trivial ASGI app.

    python benchmarks/request_log.py [--calls 50000] [--runs 5]

Three ways, each the median of --runs runs of --calls requests, in microseconds per request:
bare (the app alone), off (the middleware, logger disabled: fixtures and scripts), on (logging a
line per request to /dev/null, what `olt-sim serve` does). Peer: Prism prints a line per request
too and serves ~1,200 GET/s with its default logging vs ~2,300 silenced (docs: design.md).

Recorded (2 cores shared with 7 other busy helpers, 5 runs x 50,000 calls):
    bare 1.3 us  off 2.1 us  on 32.4 us per request
    on - bare: ~31 us, ~4% of one of our GET /devices (~770 us at 1,299/s in devices_http.py);
    Prism's default logging costs it ~48% (2,300 -> 1,200 GET/s).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import time
from typing import Any

from simulator.api.request_log import OFF, RequestLog, TextFormatter, log

SCOPE = {"type": "http", "method": "GET", "path": "/v1/device-types", "headers": []}


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


async def receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def send(message: dict[str, Any]) -> None:
    return None


async def per_request(target: Any, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await target(dict(SCOPE), receive, send)
    return (time.perf_counter() - started) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    handler = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - lives as long as the run
    handler.setFormatter(TextFormatter())
    log.addHandler(handler)
    log.propagate = False
    results: dict[str, list[float]] = {"bare": [], "off": [], "on": []}
    for _ in range(args.runs):
        results["bare"].append(asyncio.run(per_request(app, args.calls)))
        log.setLevel(OFF)
        results["off"].append(asyncio.run(per_request(RequestLog(app), args.calls)))
        log.setLevel(logging.INFO)
        results["on"].append(asyncio.run(per_request(RequestLog(app), args.calls)))
    medians = {name: statistics.median(values) for name, values in results.items()}
    print("  ".join(f"{name} {value:.1f} us" for name, value in medians.items()) + " per request")
    print(f"logging on adds {medians['on'] - medians['bare']:.1f} us per request")


if __name__ == "__main__":
    main()
