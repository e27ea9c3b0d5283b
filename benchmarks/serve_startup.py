"""`olt-sim serve` start to first 200, with a warm state directory (keys made on the first run).

Each round starts a fresh `olt-sim serve --empty` process on free ports with the same state
directory and polls `GET /_sim/world` until it answers 200; the figure is the median wall time
from process start to that answer (interpreter start and imports included). The first, cold run
(which generates the realm and CA keys) is reported separately.

Run: python benchmarks/serve_startup.py
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import httpx

ROUNDS = 7


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_to_first_200(state_dir: str) -> tuple[float, float]:
    """Wall seconds to the first 200, and CPU seconds the server process used in all."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "simulator.cli",
        "serve",
        "--empty",
        "--port",
        str(port),
        "--mqtt-port",
        "0",
        "--mqtts-port",
        "0",
        "--state-dir",
        state_dir,
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy())
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_sim/world", timeout=1).status_code == 200:
                    wall = time.perf_counter() - started
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None:
                raise RuntimeError("olt-sim serve exited")
            time.sleep(0.005)
    finally:
        process.terminate()
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    with tempfile.TemporaryDirectory() as state_dir:
        cold, cold_cpu = start_to_first_200(state_dir)
        runs = [start_to_first_200(state_dir) for _ in range(ROUNDS)]
    wall, cpu = [w for w, _ in runs], [c for _, c in runs]
    print(f"cold start (keys generated): {cold * 1000:.0f} ms wall, {cold_cpu * 1000:.0f} ms CPU")
    print(
        f"warm start to first 200, median of {ROUNDS}: {statistics.median(wall) * 1000:.0f} ms wall "
        f"(min {min(wall) * 1000:.0f}), {statistics.median(cpu) * 1000:.0f} ms CPU of the server process"
    )


if __name__ == "__main__":
    main()
