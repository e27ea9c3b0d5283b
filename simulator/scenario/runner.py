"""Apply a scenario to a running Simulator: provision its world, start its devices, run its timeline.

`ScenarioRunner(sim, scenario).start()` runs on the simulator's loop (or with no loop at all for
stepped runs). Device reports are timers on `sim.clock`, so the same runner works in real time
(the server's ticker fires them), scaled time, manual time (tests advance the clock) and stepped
time (`run_until` jumps from one due timer to the next as fast as the machine allows).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.core.actors import Actor, acting_as
from simulator.core.clock import parse_time
from simulator.core.events import (
    DataReported,
    DataReportedBatch,
    DeviceActionRequested,
    DeviceConfigurationChanged,
    DiagnosticRecorded,
    EventReported,
)
from simulator.core.ids import RandomSource
from simulator.scenario import schema
from simulator.scenario.checks import fleet_tenant
from simulator.scenario.cohorts import Cohorts
from simulator.scenario.device import FleetRuntime, Link, VirtualDevice
from simulator.scenario.fleet import Provisioned, fleet_order, provision
from simulator.scenario.links import PipelineLink
from simulator.scenario.reactions import react_to_action, react_to_configuration
from simulator.scenario.stats import FleetStats, RunStats
from simulator.scenario.ticks import Ticks
from simulator.scenario.timeline import schedule_timeline

if TYPE_CHECKING:
    import random

    from simulator.runtime import Simulator

log = logging.getLogger(__name__)
#: "auto" fleets use MQTT while the devices that connect stay below this (two sockets each).
AUTO_MQTT_LIMIT = 5000
#: Report phases are quantized so devices share clock timers (ticks.py): coarse when stepping,
#: fine in real time so that a big fleet's reports do not arrive in large bursts.
QUANTUM_STEPPED, QUANTUM_LIVE = 1.0, 0.05


class ScenarioRunner:
    def __init__(
        self, sim: Simulator, scenario: schema.Scenario, *, seed: int | None = None, transport: str | None = None
    ) -> None:
        self.sim = sim
        self.scenario = scenario
        self.seed = scenario.info.seed if seed is None else seed
        self.random = RandomSource(self.seed).child(f"scenario/{scenario.info.name}")
        self.transport = transport  # overrides every fleet's `transport` when given
        self.actor = Actor(f"Scenario {scenario.info.name}")  # what the audit log names for its changes
        self.stats = RunStats()
        self.fleets: dict[str, FleetRuntime] = {}
        self.by_id: dict[str, VirtualDevice] = {}
        self.carried: dict[str, list[VirtualDevice]] = {}  # sender id -> the devices whose messages it sends
        self.world: Provisioned | None = None
        self.timers: list[Any] = []
        self.running = False
        self.t0 = 0.0
        self.state: object = None
        self.ticks: Ticks | None = None
        self.cohorts: Cohorts | None = None
        self._unsubscribe: list[Callable[[], None]] = []
        self._links: dict[str, Link] = {}
        self._mqtt: Any = None  # MqttLink, made on first use
        self.fault_ids: list[str] = []  # the rules this scenario added (removed when it stops)

    # ------------------------------------------------------------------ lifecycle

    def start(self, provisioned: Provisioned | None = None) -> ScenarioRunner:
        """Provision the world and start every device (call on the simulator's loop); with
        `provisioned` (a resumed world that holds them already) the devices are adopted instead."""
        clock = self.sim.clock
        if self.scenario.info.start and not clock.runs_by_itself and provisioned is None:
            clock.set(parse_time(self.scenario.info.start).timestamp())
        self.t0 = clock.time()
        self.state = self.sim.state  # a reset or restore swaps it: this runner's world is gone then
        self.ticks = Ticks(clock, QUANTUM_LIVE if clock.runs_by_itself else QUANTUM_STEPPED)
        self.cohorts = Cohorts(self.ticks)
        with acting_as(self.actor):
            self.world = provisioned or provision(self.sim, self.scenario, self.random)
        base = self.scenario.path.parent if self.scenario.path else Path(".")
        for name in fleet_order(self.scenario):
            self._build_fleet(name, base)
        self.ticks.holders = tuple({id(k): k for k in self._links.values() if isinstance(k, PipelineLink)}.values())
        bus = self.sim.bus
        self._unsubscribe = [
            bus.subscribe(DeviceActionRequested, self._on_action, after_commit=True),
            bus.subscribe(DeviceConfigurationChanged, self._on_configuration, after_commit=True),
            bus.subscribe(DataReported, self._on_accepted, batch=self._on_accepted_batch, after_commit=True),
            bus.subscribe(EventReported, self._on_accepted, after_commit=True),
            bus.subscribe(DiagnosticRecorded, self._on_diagnostic, after_commit=True),
        ]
        self.running = True
        for fleet in self.fleets.values():
            for device in fleet.devices:
                self._start_device(device)
        schedule_timeline(self)
        self._add_faults()
        self.sim.restore_hooks.append(self._rearm)
        log.info("scenario %s started: %d devices", self.scenario.info.name, len(self.by_id))
        return self

    def _add_faults(self) -> None:
        """The scenario's platform fault rules (match.fleet resolves to the fleet's devices)."""
        faults = self.sim.faults
        for fleet in self.fleets.values():
            faults.device_fleets.update((device.device_id, fleet.name) for device in fleet.devices)
        self.fault_ids = [faults.add(rule).id for rule in self.scenario.faults]

    def stop(self) -> None:
        if not self.running and not self._unsubscribe:
            return
        self.running = False
        for rule_id in self.fault_ids:
            self.sim.faults.remove(rule_id)
        if self._rearm in self.sim.restore_hooks:
            self.sim.restore_hooks.remove(self._rearm)
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()
        for device in self.by_id.values():
            device.cancel()
        if self.ticks is not None:
            self.ticks.cancel()
        for link in {id(v): v for v in self._links.values()}.values():
            link.close()

    def _build_fleet(self, name: str, base: Path) -> None:
        assert self.world is not None
        spec = self.scenario.fleets[name]
        stats = self.stats.fleets.setdefault(name, FleetStats())
        devices = self.world.devices[name]
        gateways = self.world.gateways[name]
        runtime = FleetRuntime(
            name=name,
            spec=spec,
            type_spec=self.scenario.device_types[spec.device_type],
            tenant_id=self.world.tenants[fleet_tenant(self.scenario, spec)],
            device_type_id=self.world.device_types[spec.device_type],
            base=base,
            stats=stats,
        )
        link = self._link_for(name)

        def build(index: int) -> VirtualDevice:
            gateway = gateways[index]
            return VirtualDevice(
                runtime,
                index,
                devices[index].id,
                list(devices[index].aliases),
                self._stream(name, index),
                self.sim.clock,
                self.t0,
                self.by_id.get(gateway.id) if gateway is not None else None,
            )

        built = {index: build(index) for index in self._report_order(runtime, len(devices))}
        self.by_id.update((virtual.device_id, virtual) for virtual in built.values())  # read per report, in this order
        for index, device in enumerate(devices):
            virtual = built[index]
            virtual.configuration.update(device.configuration)
            link.attach(virtual)
            runtime.devices.append(virtual)
            self.carried.setdefault(virtual.sender.device_id, []).append(virtual)
        stats.devices = len(runtime.devices)
        self.fleets[name] = runtime

    def _stream(self, fleet: str, index: int) -> random.Random:
        """A device's own random stream: the seed, its fleet and its index (docs/scenarios.md)."""
        return self.random.child(f"fleet/{fleet}/{index}").rng

    def _report_order(self, fleet: FleetRuntime, count: int) -> list[int]:
        """The fleet's device indexes in the order of their first report (then by index).

        The devices are built in this order, so that the objects of the devices that report at
        the same moments lie together in memory. A period's reports then read memory in runs
        rather than all over it: about a fifth less CPU per report with 10,000 devices (docs/scale.md).
        A device's first report is the next draw of its stream once its generators are made
        (`_arm`), so they are made here once more to learn it. Only the memory layout depends
        on this order: the devices report in index order within a moment whatever it is."""

        def first_report(index: int) -> tuple[float, int]:
            rng = self._stream(fleet.name, index)
            fleet.make_generators(rng)
            return self._first_moment(rng, self.t0, fleet.spec.every), index

        return sorted(range(count), key=first_report)

    def _first_moment(self, rng: random.Random, start: float, every: float) -> float:
        """A device's first report when armed at `start`: a random phase within its period."""
        assert self.ticks is not None
        return self.ticks.align(start + rng.random() * every)

    def _link_for(self, name: str) -> Link:
        """Sub-devices share their gateway's link; others follow `transport` (auto: MQTT when it runs)."""
        spec = self.scenario.fleets[name]
        if spec.connected_by is not None:
            link = self._links[spec.connected_by]
        else:
            link = self._choose(self.transport or spec.transport, spec.count)
        self._links[name] = link
        return link

    def _choose(self, transport: str, count: int) -> Link:
        """auto: MQTT when a broker runs and the clock runs by itself; explicit mqtt also works with a
        manual clock (tests advance it); a stepped clock cannot wait for sockets: in-process."""
        broker = "mqttPort" in self.sim.info or "mqttsPort" in self.sim.info
        available = broker and self.sim.clock.mode != "stepped"
        if transport == "auto":
            fits = self._mqtt_clients() + count <= AUTO_MQTT_LIMIT
            transport = "mqtt" if available and self.sim.clock.runs_by_itself and fits else "in-process"
        if transport == "mqtt" and not available:
            log.warning("no MQTT broker, or a stepped clock: the devices run in-process")
            transport = "in-process"
        if transport == "mqtt":
            if self._mqtt is None:
                from simulator.scenario.mqtt_link import MqttLink

                self._mqtt = MqttLink(self.sim, self)
            mqtt: Link = self._mqtt
            return mqtt
        pipeline = next((link for link in self._links.values() if isinstance(link, PipelineLink)), None)
        return pipeline or PipelineLink(self.sim)

    def _mqtt_clients(self) -> int:
        return sum(
            len(f.devices)
            for f in self.fleets.values()
            if self._links.get(f.name) is self._mqtt and f.spec.connected_by is None
        )

    def _rearm(self) -> None:
        """The simulator restored a snapshot: its clock timers are gone and its time may have jumped
        (backwards too). Follow the new world: devices it still holds report again from now on,
        the timeline's steps still ahead are scheduled again."""
        if not self.running:
            return
        clock = self.sim.clock
        self.state = self.sim.state
        assert self.ticks is not None
        self.ticks.cancel()
        self.ticks = Ticks(clock, self.ticks.quantum, self.ticks.holders)
        self.cohorts = Cohorts(self.ticks)
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()
        known = self.sim.state.devices.devices
        for device in (device for fleet in self.fleets.values() for device in fleet.devices):
            device.cancel()
            if device.device_id not in known.get(device.tenant_id, {}):
                continue  # not in the restored world: it stays silent
            device.stopped = False
            if not device.online:
                device.go_online()
            self._arm(device, clock.time())
        schedule_timeline(self, after=clock.time())

    def _start_device(self, device: VirtualDevice) -> None:
        assert device.link is not None
        device.link.connect(device)
        self._arm(device, self.t0)
        if device.configuration and device.link.via_bus:
            react_to_configuration(device, dict(device.configuration))  # MQTT devices: once connected

    def _arm(self, device: VirtualDevice, start: float) -> None:
        """The device's clock timers: reports, rate events, offline spells."""
        assert self.ticks is not None and self.cohorts is not None
        self.cohorts.join(device, self._first_moment(device.rng, start, device.every))
        for number, event in enumerate(device.fleet.events):
            if event.spec.rate:
                device.schedule_rate_event(number)
        device.schedule_offline_spells()

    def connected(self, device_id: str) -> None:
        """An MQTT session came up: its device and those it carries report their configuration."""
        for device in self.carried.get(device_id, ()):
            if device.configuration and device.reachable:
                device.fleet.stats.configurations += 1
                device.report_configuration()

    # ------------------------------------------------------------------ bus

    def current(self) -> bool:
        """False (and stopped) once the simulator was reset or restored under this runner."""
        if self.running and self.sim.state is not self.state:
            log.info("scenario %s: the world was reset; its devices stop", self.scenario.info.name)
            self.stop()
        return self.running

    def _bus_device(self, tenant_id: str, device_id: str) -> VirtualDevice | None:
        """The in-process device a bus event is for (MQTT devices hear it from their subscription)."""
        if not self.current():
            return None
        device = self.by_id.get(device_id)
        if device is None or device.tenant_id != tenant_id or device.link is None or not device.link.via_bus:
            return None
        return device

    def _on_action(self, event: DeviceActionRequested) -> None:
        device = self._bus_device(event.tenant_id, event.device_id)
        if device is not None:
            react_to_action(device, event.action_id, event.action, event.payload)

    def _on_configuration(self, event: DeviceConfigurationChanged) -> None:
        device = self._bus_device(event.tenant_id, event.device_id)
        if device is not None:
            react_to_configuration(device, dict(event.configuration))

    def _on_accepted(self, event: DataReported | EventReported) -> None:
        device = self.by_id.get(event.device_id) if self.sim.state is self.state else None
        if device is not None:
            device.fleet.stats.accepted += 1

    def _on_accepted_batch(self, batch: DataReportedBatch) -> None:
        if self.sim.state is not self.state:
            return
        by_id = self.by_id
        for device_id in batch.device_ids:
            device = by_id.get(device_id)
            if device is not None:
                device.stats.accepted += 1

    def _on_diagnostic(self, event: DiagnosticRecorded) -> None:
        device = self.by_id.get(event.device_id) if self.sim.state is self.state else None
        if device is not None:
            device.fleet.stats.diagnostics += 1

    # ------------------------------------------------------------------ running

    @property
    def elapsed(self) -> float:
        return self.sim.clock.time() - self.t0

    def online(self) -> int:
        return sum(1 for d in self.by_id.values() if d.reachable and getattr(d.link, "connected", _always)(d))

    def run_until(self, end: float, progress: Callable[[], None] | None = None, interval: float = 0.25) -> int:
        """Stepped time: fire due timers in order up to `end` (epoch seconds); returns steps taken."""
        clock = self.sim.clock
        steps, next_report = 0, time.monotonic() + interval
        while True:
            due = clock.next_due()
            if due is None or due > end:
                break
            clock.set(due)
            steps += 1
            if progress is not None and steps % 256 == 0 and time.monotonic() >= next_report:
                progress()
                next_report = time.monotonic() + interval
        clock.set(end)
        return steps

    async def drive(self, end: float, batch: int = 200) -> None:
        """`run_until` for a server loop: yields between batches so HTTP and MQTT stay served."""
        clock = self.sim.clock
        while self.running:
            for _ in range(batch):
                due = clock.next_due()
                if due is None or due > end:
                    clock.set(end)
                    return
                clock.set(due)
            await asyncio.sleep(0)


def _always(device: VirtualDevice) -> bool:
    return True
