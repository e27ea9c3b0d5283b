"""Scenario fleets: 10,000 MQTT devices in real time, and 1,000 devices for a stepped day.

    python benchmarks/scenario_fleet.py                 # both parts
    python benchmarks/scenario_fleet.py stepped [--devices 1000 --hours 24 --every 60]
    python benchmarks/scenario_fleet.py mqtt [--devices 10000 --seconds 60 --every 10]

mqtt: the simulator (HTTP + broker + pipeline) runs in this process; the virtual devices run in a
second process (paho clients, the scenario's generators on their own real-time clock), because
10,000 connections take 20,000 sockets on one machine and a process may hold 20,000 files.
Devices stamp each message with its send time; this process measures the time until the
pipeline accepted it (DataReported). Lost = sent by the devices - accepted by the pipeline.

stepped: the load scenario (scenarios/load-10k.toml, resized) in-process on a stepped clock for
a simulated day; also the cost per message of the devices alone (pipeline replaced by a no-op),
so the pipeline's share is visible.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator.core.clock import Clock, iso, parse_time  # noqa: E402
from simulator.core.events import DataReported  # noqa: E402
from simulator.core.ids import RandomSource  # noqa: E402
from simulator.runtime import Simulator  # noqa: E402
from simulator.scenario import links, load_scenario  # noqa: E402
from simulator.scenario.device import FleetRuntime, VirtualDevice  # noqa: E402
from simulator.scenario.fleet import provision  # noqa: E402
from simulator.scenario.mqtt_host import DeviceHost, HostedClient  # noqa: E402
from simulator.scenario.runner import ScenarioRunner  # noqa: E402
from simulator.scenario.schema import Scenario  # noqa: E402
from simulator.scenario.stats import FleetStats  # noqa: E402
from simulator.scenario.ticks import Ticks  # noqa: E402
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
        wall, cpu = time.perf_counter(), time.process_time()
        runner.run_until(runner.t0 + seconds)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        links.PipelineLink.data = original  # type: ignore[method-assign]
    messages = runner.stats.total("messages")
    return {"provision_s": provisioned, "wall_s": wall, "cpu_s": cpu, "messages": messages,
            "accepted": runner.stats.total("accepted"), "us_per_msg_cpu": cpu / max(messages, 1) * 1e6}


def bench_stepped(devices: int, hours: float, every: float) -> None:
    scenario = resized(devices, every)
    print(f"stepped: {devices} devices, one message each every {every:g} s, {hours:g} h simulated")
    sample = min(hours, 1.0) * 3600
    alone = [stepped_run(scenario, sample, null_pipeline=True)["us_per_msg_cpu"] for _ in range(3)]
    print(f"  devices alone (no-op pipeline), median of 3 x {sample / 3600:g} h: "
          f"{statistics.median(alone):.1f} us CPU/msg")
    result = stepped_run(scenario, hours * 3600)
    rate = result["messages"] / result["wall_s"]
    print(f"  full run: {result['messages']:.0f} messages ({result['accepted']:.0f} accepted) "
          f"in {result['wall_s']:.1f} s wall, {result['cpu_s']:.1f} s CPU (provisioning {result['provision_s']:.1f} s)")
    print(f"  {rate:.0f} msg/s; {result['us_per_msg_cpu']:.1f} us CPU/msg, of which devices "
          f"{statistics.median(alone) / result['us_per_msg_cpu']:.0%} and pipeline the rest")
    day = result["wall_s"] * 24 / hours
    label = "24 h run" if hours >= 24 else f"24 h projected from {hours:g} h"
    print(f"  {label}: {day:.0f} s wall; goal under 120 s -> {'met' if day < 120 else 'NOT met'}")


# ---------------------------------------------------------------------- mqtt


class BenchLink:
    """The device side of the benchmark: one paho client per device, messages stamped at send."""

    via_bus = False

    def __init__(self, host: DeviceHost, clock: Clock, address: tuple[str, int]) -> None:
        self.host, self.clock, self.address = host, clock, address
        self.clients: dict[str, HostedClient] = {}
        self.sent = self.acked = self.connected = 0
        self.lock = threading.Lock()

    def add(self, device_id: str, password: str) -> None:
        client = HostedClient(self.host, device_id, self.address, username=device_id, password=password,
                              on_message=lambda topic, data: None, on_state=self._state)
        client.client.on_publish = self._acked
        self.clients[device_id] = client

    def _state(self, up: bool) -> None:
        with self.lock:
            self.connected += 1 if up else -1

    def _acked(self, *args: Any) -> None:
        self.acked += 1  # host thread only

    def attach(self, device: VirtualDevice) -> None:
        device.link = self  # type: ignore[assignment]

    def connect(self, device: VirtualDevice) -> None:
        self.host.submit(self.clients[device.device_id].open)

    def disconnect(self, device: VirtualDevice) -> None: ...

    def reconnect(self, device: VirtualDevice) -> None: ...

    def data(self, device: VirtualDevice, kind: str, value: dict[str, Any]) -> bool:
        body = {"type": kind, "value": value, "time": iso(self.clock.now())}
        payload = json.dumps(body, separators=(",", ":")).encode()
        self.sent += 1
        self.host.submit(self.clients[device.device_id].publish, links.DATA, payload, 1)
        return True

    def event(self, device: VirtualDevice, event_type: str, value: dict[str, Any]) -> bool:
        return False

    def malformed(self, device: VirtualDevice) -> bool:
        return False

    def close(self) -> None:
        self.host.stop()


def device_process(manifest_path: str) -> None:
    """The virtual devices, in their own process: connect, report for `seconds`, print counts."""
    manifest = json.loads(Path(manifest_path).read_text())
    scenario = resized(len(manifest["devices"]), manifest["every"])
    spec = scenario.fleets[FLEET]
    clock = Clock("realtime")
    link = BenchLink(DeviceHost(), clock, (manifest["host"], manifest["port"]))
    runtime = FleetRuntime(FLEET, spec, scenario.device_types[spec.device_type], manifest["tenant"], "",
                           ROOT / "scenarios", FleetStats())
    random = RandomSource(scenario.info.seed).child("benchmark")
    devices = []
    for index, (device_id, password) in enumerate(manifest["devices"]):
        link.add(device_id, password)
        device = VirtualDevice(runtime, index, device_id, [], random.child(str(index)).rng, clock, clock.time())
        link.attach(device)
        devices.append(device)
    started = time.monotonic()
    for device in devices:
        link.connect(device)
    while link.connected < len(devices) and time.monotonic() - started < 300:
        time.sleep(0.1)
    connect_seconds = time.monotonic() - started
    print(f"  devices: {link.connected}/{len(devices)} connected in {connect_seconds:.1f} s", file=sys.stderr)
    ticks = Ticks(clock, 0.05)
    t0 = clock.time() + 1.0
    for device in devices:
        device.t0 = t0
        device.schedule(ticks.align(t0 + device.rng.random() * device.every), ticks)
    end = t0 + manifest["seconds"]
    while clock.time() < end:
        clock.run_due()
        wait = clock.seconds_until_next()
        time.sleep(min(0.01, wait) if wait is not None else 0.01)
    ticks.cancel()
    time.sleep(5)  # PUBACKs of the last messages
    print(json.dumps({"connected": link.connected, "connect_seconds": connect_seconds, "sent": link.sent,
                      "acked": link.acked, "cpu_seconds": time.process_time()}), flush=True)
    link.close()


def bench_mqtt(devices: int, seconds: float, every: float) -> None:
    print(f"mqtt: {devices} devices in a second process, one message each every {every:g} s, {seconds:g} s real time")
    settings = Settings(host="127.0.0.1", port=0, mqtt_port=0, mqtts_port=None, clock="realtime", seed=7)
    server = ThreadedServer(Simulator(settings)).start()
    sim = server.sim
    scenario = resized(devices, every)
    started = time.perf_counter()
    made = server.loop_thread.call(lambda: provision(sim, scenario, RandomSource(7)), timeout=600)
    fleet = made.devices[FLEET]
    print(f"  provisioned {len(fleet)} devices in {time.perf_counter() - started:.1f} s")
    latencies: list[float] = []
    received = [0]
    cpu_marks: list[float] = []  # simulator CPU seconds at the first and the latest accepted message

    def on_data(event: DataReported) -> None:
        received[0] += 1
        latencies.append(sim.clock.time() - parse_time(event.time).timestamp())
        if not cpu_marks:
            cpu_marks.append(time.process_time())
        elif received[0] % 100 == 0:
            cpu_marks[1:] = [time.process_time()]

    server.loop_thread.call(lambda: sim.bus.subscribe(DataReported, on_data))
    manifest = {
        "host": "127.0.0.1", "port": sim.info["mqttPort"], "seconds": seconds, "every": every,
        "tenant": fleet[0].tenant_id,
        "devices": server.loop_thread.call(lambda: [[d.id, sim.devices.mqtt_password(d.id)] for d in fleet]),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(manifest, handle)
    cpu = time.process_time()
    try:
        process = subprocess.run(
            [sys.executable, __file__, "--device-process", handle.name], capture_output=True, text=True,
            timeout=seconds + 600, env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        os.unlink(handle.name)
    sys.stderr.write(process.stderr)
    if process.returncode != 0 or not process.stdout.strip():
        print(f"  device process failed ({process.returncode})")
        server.stop()
        return
    report = json.loads(process.stdout.strip().splitlines()[-1])
    in_time = server.loop_thread.call(lambda: received[0])
    got, drained = in_time, time.monotonic()
    while time.monotonic() - drained < 120:  # messages still queued in the broker: let them finish
        time.sleep(2)
        now = server.loop_thread.call(lambda: received[0])
        if now == got:
            break
        got = now
    cpu = time.process_time() - cpu
    lost = report["sent"] - got
    print(f"  connected {report['connected']}/{devices} in {report['connect_seconds']:.1f} s; CPU seconds: simulator"
          f" {cpu:.1f}, devices {report['cpu_seconds']:.1f} (load average {os.getloadavg()[0]:.1f})")
    print(f"  sent {report['sent']} (PUBACKed {report['acked']}), accepted by the pipeline {in_time} by the end and"
          f" {got} after draining; lost {lost} ({'goal 0 met' if lost == 0 else 'goal 0 NOT met'})")
    if len(cpu_marks) == 2 and got > 100:
        print(f"  simulator CPU per accepted MQTT message: {(cpu_marks[1] - cpu_marks[0]) / got * 1e6:.0f} us"
              " (broker + bridge + pipeline)")
    print(f"  offered {report['sent'] / seconds:.0f} msg/s, accepted in time {in_time / seconds:.0f} msg/s;"
          f" end-to-end latency p50 {percentile(latencies, 0.5) * 1000:.0f} ms,"
          f" p99 {percentile(latencies, 0.99) * 1000:.0f} ms, max {max(latencies, default=0) * 1000:.0f} ms")
    try:
        server.stop()
    except TimeoutError:
        print("  (the server took over a minute to close 10,000 sessions)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", nargs="?", choices=("all", "stepped", "mqtt"), default="all")
    parser.add_argument("--devices", type=int, default=None)
    parser.add_argument("--hours", type=float, default=24.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--every", type=float, default=None)
    parser.add_argument("--device-process", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.device_process:
        device_process(args.device_process)
        return
    if args.part in ("all", "mqtt"):
        bench_mqtt(args.devices or 10_000, args.seconds, args.every or 10.0)
    if args.part in ("all", "stepped"):
        bench_stepped(args.devices or 1_000, args.hours, args.every or 60.0)


if __name__ == "__main__":
    main()
