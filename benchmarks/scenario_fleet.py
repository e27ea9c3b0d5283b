"""Scenario fleets at scale: 10,000 MQTT devices in real time, a stepped day, the load-10k hour.

    python benchmarks/scenario_fleet.py --baseline /path/to/main   # every part, one run
    python benchmarks/scenario_fleet.py mqtt [--devices 10000 --seconds 60 --every 10 --workers 2]
                                             [--auth both|password|certificate] [--no-burner]
    python benchmarks/scenario_fleet.py stepped [--devices 10000 --hours 24 --every 60]
    python benchmarks/scenario_fleet.py hour --baseline /path/to/main

mqtt: the simulator (HTTP + broker + pipeline) runs in a fresh process of its own; the virtual
devices run in fleet worker processes (simulator/fleets: gmqtt sessions on one loop per worker,
the scenario's generators on a real-time clock). Plain port with passwords and TLS with client
certificates, each also with a CPU-bound process beside it. Devices stamp each message with its
send time; the simulator measures the time until the pipeline accepted it (DataReported).
Lost = PUBLISHes written by the devices - messages accepted by the pipeline.

stepped: the load scenario (scenarios/load-10k.toml, resized) in-process on a stepped clock for
a simulated day; also the cost per message of the devices alone (pipeline replaced by a no-op),
and the memory: RSS with the world provisioned, after the day, and its growth per stored point.

hour: `olt-sim run scenarios/load-10k.toml --duration 1h --clock stepped` timed for this tree and
for a baseline checkout (`--baseline`), one after the other on the same machine.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.core.clock import parse_time  # noqa: E402
from simulator.core.events import DataReported  # noqa: E402
from simulator.fleets.local import local_manifest  # noqa: E402
from simulator.fleets.pool import raise_open_file_limit, run_fleet  # noqa: E402
from simulator.runtime import Simulator  # noqa: E402
from simulator.scenario import links, load_scenario  # noqa: E402
from simulator.scenario.runner import ScenarioRunner  # noqa: E402
from simulator.scenario.schema import Scenario  # noqa: E402
from simulator.server import ThreadedServer  # noqa: E402
from simulator.settings import Settings  # noqa: E402

SCENARIO = ROOT / "scenarios" / "load-10k.toml"
FLEET = "trackers"


def resized(devices: int, every: float) -> Scenario:
    scenario = load_scenario(SCENARIO)
    fleet = dataclasses.replace(scenario.fleets[FLEET], count=devices, every=every)
    return dataclasses.replace(scenario, fleets={FLEET: fleet})


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


# ---------------------------------------------------------------------- stepped


def stepped_run(scenario: Scenario, seconds: float, null_pipeline: bool = False) -> dict[str, float]:
    original = links.PipelineLink.data
    if null_pipeline:
        links.PipelineLink.data = lambda self, device, kind, value: True  # type: ignore[method-assign]
    try:
        sim = Simulator(Settings(clock="stepped", seed=scenario.info.seed))
        started = time.perf_counter()
        runner = ScenarioRunner(sim, scenario).start()
        provisioned = time.perf_counter() - started
        gc.collect()
        rss_before = psutil.Process().memory_info().rss
        wall, cpu = time.perf_counter(), time.process_time()
        runner.run_until(runner.t0 + seconds)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rss_after = psutil.Process().memory_info().rss
    finally:
        links.PipelineLink.data = original  # type: ignore[method-assign]
    messages = runner.stats.total("messages")
    stored = sim.state.timeseries.devices.values()
    points = sum(len(s) for by_device in stored for by_path in by_device.values() for s in by_path.values())
    return {
        "rss_before_mib": rss_before / 2**20,
        "rss_after_mib": rss_after / 2**20,
        "points": points,
        "provision_s": provisioned,
        "wall_s": wall,
        "cpu_s": cpu,
        "messages": messages,
        "accepted": runner.stats.total("accepted"),
        "us_per_msg_cpu": cpu / max(messages, 1) * 1e6,
    }


def bench_stepped(devices: int, hours: float, every: float) -> None:
    scenario = resized(devices, every)
    print(f"stepped: {devices} devices, one message each every {every:g} s, {hours:g} h simulated")
    # The full run first, in a process that has built no other world (as `olt-sim run` is): a
    # world built and dropped before would leave the heap in pieces under the day's.
    result = stepped_run(scenario, hours * 3600)
    sample = min(hours, 1.0) * 600
    alone = stepped_run(scenario, sample, null_pipeline=True)["us_per_msg_cpu"]
    print(f"  devices alone (no-op pipeline), {sample / 60:g} simulated minutes: {alone:.1f} us CPU/msg")
    rate = result["messages"] / result["wall_s"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"  full run: {result['messages']:.0f} messages ({result['accepted']:.0f} accepted) "
        f"in {result['wall_s']:.1f} s wall, {result['cpu_s']:.1f} s CPU (provisioning {result['provision_s']:.1f} s);"
        f" peak RSS {rss:.0f} MiB (load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"  {rate:.0f} msg/s; {result['us_per_msg_cpu']:.1f} us CPU/msg, of which devices "
        f"{alone / result['us_per_msg_cpu']:.0%} and pipeline the rest"
    )
    grown = result["rss_after_mib"] - result["rss_before_mib"]
    print(
        f"  memory: RSS {result['rss_before_mib']:.0f} MiB with the world provisioned,"
        f" {result['rss_after_mib']:.0f} MiB after the run; {result['points']:.0f} timeseries points stored, "
        f"{grown * 2**20 / max(result['points'], 1):.1f} bytes of RSS growth per point"
    )
    day = result["wall_s"] * 24 / hours
    label = "24 h run" if hours >= 24 else f"24 h projected from {hours:g} h"
    print(f"  {label}: {day:.0f} s wall; goal under 90 s -> {'met' if day < 90 else 'NOT met'}")


def bench_hour(baseline: str | None) -> None:
    """`olt-sim run scenarios/load-10k.toml --duration 1h --clock stepped`, this tree against `baseline`."""
    command = [sys.executable, "-m", "simulator.cli", "run", str(SCENARIO), "--duration", "1h", "--clock", "stepped"]
    trees = [("this tree", str(ROOT))] + ([("baseline", baseline)] if baseline else [])
    walls: dict[str, float] = {}
    cpus: dict[str, float] = {}  # the run's CPU seconds: less swayed than wall time by other work on the machine
    for name, tree in trees:
        started, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        env = {**os.environ, "PYTHONPATH": tree, "PYTHONDONTWRITEBYTECODE": "1"}  # leave the baseline tree as it is
        done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, timeout=1800)
        walls[name] = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus[name] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
        state = "ok" if done.returncode == 0 else f"failed ({done.returncode}): {done.stderr[-300:]}"
        print(
            f"  load-10k, 1 simulated hour, {name} ({tree}): {walls[name]:.1f} s wall, {cpus[name]:.1f} s CPU,"
            f" {state} (load average {os.getloadavg()[0]:.1f})"
        )
    if baseline:
        ratio, cpu_ratio = walls["baseline"] / walls["this tree"], cpus["baseline"] / cpus["this tree"]
        print(
            f"  speed-up {ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (goal >= 3x: {'met' if ratio >= 3 else 'NOT met'};"
            " with other work on the machine, compare the CPU figures)"
        )


# ---------------------------------------------------------------------- mqtt


class Burner:
    """A CPU-bound process beside the run (users' laptops are never idle)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


def bench_mqtt(devices: int, seconds: float, every: float, auth: str, workers: int, burner: bool) -> dict[str, Any]:
    """One real-time run: the simulator in this process, the fleet in `workers` worker processes."""
    label = f"mqtt {'TLS client certificates' if auth == 'certificate' else 'plain port, passwords'}"
    label += " + a CPU-bound process beside it" if burner else ""
    print(
        f"{label}: {devices} devices over {workers} fleet workers, one message each every {every:g} s,"
        f" {seconds:g} s real time"
    )
    me = psutil.Process()
    settings = Settings(host="127.0.0.1", port=0, mqtt_port=0, mqtts_port=0, clock="realtime", seed=7)
    server = ThreadedServer(Simulator(settings)).start()
    sim = server.sim
    scenario = resized(devices, every)
    started = time.perf_counter()
    manifest = server.loop_thread.call(
        lambda: local_manifest(sim, scenario, SCENARIO, auth=auth, seconds=seconds, every=every),  # type: ignore[arg-type]
        timeout=1200,
    )
    rss_idle = me.memory_info().rss
    print(f"  provisioned {devices} devices with {auth}s in {time.perf_counter() - started:.1f} s")
    stamps: list[tuple[float, str]] = []
    received = [0]

    cpu_marks: list[float] = []  # this process's CPU seconds at the first and the latest 100th accepted message

    def on_data(event: DataReported) -> None:
        received[0] += 1
        stamps.append((sim.clock.time(), event.time))
        if not cpu_marks:
            cpu_marks.append(time.process_time())
        elif received[0] % 100 == 0:
            cpu_marks[1:] = [time.process_time()]

    server.loop_thread.call(lambda: sim.bus.subscribe(DataReported, on_data))
    peak = [rss_idle]
    sampling = threading.Event()

    def sample() -> None:
        while not sampling.wait(1.0):
            peak[0] = max(peak[0], me.memory_info().rss)

    threading.Thread(target=sample, daemon=True).start()
    full_collections: list[float] = []  # seconds of each generation-2 collection in this process
    collecting: list[float] = []

    def on_gc(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            collecting[:] = [time.perf_counter()]
        elif collecting:
            full_collections.append(time.perf_counter() - collecting[0])

    gc.callbacks.append(on_gc)
    beside = Burner() if burner else None
    cpu = time.process_time()
    try:
        total, _parts = run_fleet(manifest, workers)
    finally:
        if beside is not None:
            beside.stop()
    in_time = server.loop_thread.call(lambda: received[0])
    got, drained = in_time, time.monotonic()
    while time.monotonic() - drained < 60 and got < total.sent:  # still queued: let them finish
        time.sleep(1)
        got = server.loop_thread.call(lambda: received[0])
    cpu = time.process_time() - cpu
    sampling.set()
    gc.callbacks.remove(on_gc)
    latencies = [at - parse_time(sent).timestamp() for at, sent in stamps]
    lost = total.sent - got
    p99 = percentile(latencies, 0.99)
    per_connection = (peak[0] - rss_idle) / 1024 / max(total.connected, 1)
    print(
        f"  connected {total.connected}/{devices} in {total.connect_seconds:.1f} s (refused {total.refused});"
        f" CPU seconds: simulator {cpu:.1f}, fleet workers {total.cpu_seconds:.1f}"
        f" (load average {os.getloadavg()[0]:.1f})"
    )
    print(
        f"  sent {total.sent} (PUBACKed {total.acked}, not sent while offline {total.not_sent}), accepted by the"
        f" pipeline {in_time} by the end and {got} after draining; lost {lost}"
        f" ({'goal 0 met' if lost == 0 and total.connected == devices else 'goal 0 NOT met'})"
    )
    steady = (cpu_marks[1] - cpu_marks[0]) / got * 1e6 if len(cpu_marks) == 2 and got > 100 else float("nan")
    print(
        f"  simulator CPU per accepted message: {steady:.0f} us while reporting (broker + bridge + pipeline),"
        f" {cpu / max(got, 1) * 1e6:.0f} us over the whole run (connections and TLS handshakes included)"
    )
    print(
        f"  publish-to-state latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms,"
        f" max {max(latencies, default=0) * 1000:.0f} ms (goal p99 < 1 s: {'met' if p99 < 1 else 'NOT met'});"
        f" {len(full_collections)} full garbage collections in the simulator, longest"
        f" {max(full_collections, default=0) * 1000:.0f} ms"
    )
    print(
        f"  simulator RSS {rss_idle / 2**20:.0f} MiB provisioned, peak {peak[0] / 2**20:.0f} MiB connected:"
        f" {per_connection:.1f} KiB per connection (goal < 1 GB: {'met' if peak[0] < 2**30 else 'NOT met'});"
        f" largest fleet worker {total.peak_rss_mib:.0f} MiB"
    )
    try:
        server.stop()
    except TimeoutError:
        print("  (the server took over a minute to close its sessions)")
    return {"lost": lost, "p99_s": p99, "rss_peak_mib": peak[0] / 2**20, "sent": total.sent}


def _bench_mqtt_child(args: tuple[Any, ...], pipe: Any) -> None:
    raise_open_file_limit()
    pipe.send(bench_mqtt(*args))


def bench_mqtt_fresh(*args: Any) -> dict[str, Any]:
    """bench_mqtt in a fresh process: its memory figures are then this run's alone."""
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_bench_mqtt_child, args=(args, child))
    process.start()
    child.close()
    try:
        result: dict[str, Any] = parent.recv()
    except EOFError:
        result = {"failed": True}
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", nargs="?", choices=("all", "stepped", "mqtt", "hour"), default="all")
    parser.add_argument("--baseline", default=None, help="hour: another checkout to compare with (e.g. main)")
    parser.add_argument("--workers", type=int, default=2, help="fleet worker processes (mqtt)")
    parser.add_argument("--auth", choices=("both", "password", "certificate"), default="both")
    parser.add_argument("--no-burner", action="store_true", help="skip the runs with a CPU-bound process beside")
    parser.add_argument("--devices", type=int, default=None)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=None)
    args = parser.parse_args()
    raise_open_file_limit()
    if args.part in ("all", "mqtt"):
        auths = ("password", "certificate") if args.auth == "both" else (args.auth,)
        for burner in (False,) if args.no_burner else (False, True):
            for auth in auths:
                bench_mqtt_fresh(args.devices or 10_000, args.seconds, args.every or 10.0, auth, args.workers, burner)
    if args.part in ("all", "stepped"):
        bench_stepped(args.devices or 10_000, args.hours, args.every or 60.0)
    if args.part in ("all", "hour"):
        print("hour: the bundled load-10k scenario in-process on a stepped clock")
        bench_hour(args.baseline)


if __name__ == "__main__":
    main()
