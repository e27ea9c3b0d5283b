"""One fleet worker: its slice of the devices as MQTT sessions on one loop, reporting in real time.

The scenario's own generators make the values (the same `VirtualDevice` code as in-process
runs); `FleetLink` is their link to the broker. Connections are opened in waves
(`MAX_CONNECTING` at a time: a TLS handshake costs the broker a few milliseconds), then every
device reports on its period for `seconds`, phases spread over the first period. Workers start
reporting together (the pool's `ready`), so no worker's reports meet another's connection storm;
each waits for its last PUBACKs before it closes and returns its counters.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil

from simulator.core.clock import Clock, iso
from simulator.core.ids import RandomSource
from simulator.fleets.connection import DeviceConnection, tls_context
from simulator.fleets.counters import Counters
from simulator.fleets.manifest import Manifest
from simulator.scenario.device import FleetRuntime, VirtualDevice
from simulator.scenario.links import DATA, EVENT
from simulator.scenario.loader import load_scenario
from simulator.scenario.reactions import react_to_downlink
from simulator.scenario.schema import Scenario
from simulator.scenario.stats import FleetStats
from simulator.scenario.ticks import Ticks

MAX_CONNECTING = 64
TICK_QUANTUM = 0.05
DRAIN_SECONDS = 15.0  # waiting for the last PUBACKs
MALFORMED = b"{not json"


class FleetLink:
    """The `Link` of virtual devices whose messages go out over their own MQTT session."""

    via_bus = False

    def __init__(self, clock: Clock, counters: Counters) -> None:
        self.clock, self.counters = clock, counters
        self.connections: dict[str, DeviceConnection] = {}

    def attach(self, device: VirtualDevice) -> None:
        device.link = self

    def connect(self, device: VirtualDevice) -> None: ...  # sessions are opened by the worker

    def disconnect(self, device: VirtualDevice) -> None: ...

    def reconnect(self, device: VirtualDevice) -> None: ...

    def _send(self, device: VirtualDevice, topic: str, payload: bytes) -> bool:
        connection = self.connections.get(device.device_id)
        if connection is not None and connection.publish(topic, payload):
            return True
        self.counters.not_sent += 1
        return False

    def data(self, device: VirtualDevice, kind: str, value: dict[str, Any]) -> bool:
        body = {"type": kind, "value": value, "time": iso(self.clock.now())}
        return self._send(device, DATA, json.dumps(body, separators=(",", ":")).encode())

    def event(self, device: VirtualDevice, event_type: str, value: dict[str, Any]) -> bool:
        body = {"type": event_type, "value": value, "createdAt": iso(self.clock.now())}
        return self._send(device, EVENT, json.dumps(body, separators=(",", ":")).encode())

    def malformed(self, device: VirtualDevice) -> bool:
        return self._send(device, DATA, MALFORMED)

    def close(self) -> None: ...


async def run_worker(manifest: Manifest, ready: Callable[[], Awaitable[None]] | None = None) -> Counters:
    """Connect the manifest's devices, await `ready` (every worker connected), report, drain, close."""
    counters = Counters(devices=len(manifest.devices))
    scenario = load_scenario(Path(manifest.scenario))
    clock = Clock("realtime")
    link = FleetLink(clock, counters)
    runtimes: dict[str, FleetRuntime] = {}
    folder = Path(tempfile.mkdtemp(prefix="olt-sim-fleet-"))
    devices: list[VirtualDevice] = []
    try:
        for credential in manifest.devices:
            runtime = runtimes.get(credential.fleet)
            if runtime is None:
                runtime = runtimes[credential.fleet] = _runtime(manifest, scenario, credential.fleet)
            rng = RandomSource(manifest.seed).child(f"fleet/{credential.fleet}/{credential.index}").rng
            device = VirtualDevice(runtime, credential.index, credential.device_id, [], rng, clock, clock.time())
            tls = tls_context(credential, manifest.ca_pem, folder) if manifest.tls else None
            link.connections[credential.device_id] = DeviceConnection(credential, counters, tls, _reactor(device))
            link.attach(device)
            devices.append(device)
        started = time.monotonic()
        gate = asyncio.Semaphore(MAX_CONNECTING)

        async def open_one(connection: DeviceConnection) -> None:
            async with gate:
                await connection.open(manifest.host, manifest.port, manifest.connect_timeout)

        await asyncio.gather(*(open_one(c) for c in link.connections.values()))
        counters.connect_seconds = time.monotonic() - started
        if ready is not None:
            await ready()
        await _report(devices, clock, manifest.seconds)
        deadline = time.monotonic() + DRAIN_SECONDS
        while counters.acked < counters.sent and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.gather(*(c.close() for c in link.connections.values()))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    counters.cpu_seconds = time.process_time()
    counters.peak_rss_mib = psutil.Process().memory_info().rss / 2**20  # after the run, sessions closed
    return counters


async def _report(devices: list[VirtualDevice], clock: Clock, seconds: float) -> None:
    """Every device on its period, phases spread over the first period, for `seconds`."""
    ticks = Ticks(clock, TICK_QUANTUM)
    t0 = clock.time() + 0.5
    for device in devices:
        device.t0 = t0
        device.schedule(ticks.align(t0 + device.rng.random() * device.every), ticks)
    end = t0 + seconds
    try:
        while clock.time() < end:
            clock.run_due()
            wait = clock.seconds_until_next()
            await asyncio.sleep(min(0.05, max(wait, 0.0)) if wait is not None else 0.05)
    finally:
        ticks.cancel()
        for device in devices:
            device.stopped = True


def _runtime(manifest: Manifest, scenario: Scenario, name: str) -> FleetRuntime:
    spec = scenario.fleets[name]
    if manifest.every is not None:
        spec = replace(spec, every=manifest.every)
    return FleetRuntime(
        name, spec, scenario.device_types[spec.device_type], "", "", Path(manifest.scenario).parent, FleetStats()
    )


def _reactor(device: VirtualDevice) -> Any:
    def react(topic: str, data: bytes) -> None:
        parts = topic.split("/")
        if len(parts) == 3 and parts[0] == "devices":
            react_to_downlink(device, parts[2], data)

    return react
