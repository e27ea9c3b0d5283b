"""The scenario timeline: at a simulated time, do something to a share of a fleet.

Actions and configuration changes go through the devices backend (as an API call would), so
they reach the virtual devices by the same path as a user's: bus -> MQTT bridge or bus handler.
Which devices a step picks is drawn from the step's own random stream.
"""

from __future__ import annotations

import logging
import math
import random
from typing import TYPE_CHECKING

from simulator.core.actors import acting_as
from simulator.core.errors import SimError
from simulator.scenario import schema
from simulator.services.devices.inputs import DeviceChanges

if TYPE_CHECKING:
    from simulator.scenario.device import VirtualDevice
    from simulator.scenario.runner import ScenarioRunner

log = logging.getLogger(__name__)


def schedule_timeline(runner: ScenarioRunner, after: float | None = None) -> None:
    """Every step on the clock; with `after` (a restored world) only the steps still due after it."""
    for number, step in enumerate(runner.scenario.timeline):
        rng = runner.random.child(f"timeline/{number}").rng
        at = runner.t0 + step.at
        if after is not None and at <= after:
            if step.repeat is None:
                continue
            at += math.ceil((after - at) / step.repeat + 1e-9) * step.repeat
        _schedule(runner, step, rng, at)


def _schedule(runner: ScenarioRunner, step: schema.TimelineStep, rng: random.Random, at: float) -> None:
    def fire() -> None:
        if not runner.running:
            return
        run_step(runner, step, rng)
        if step.repeat is not None:
            _schedule(runner, step, rng, at + step.repeat)

    now = runner.sim.clock.time()
    runner.timers = [t for t in runner.timers if t.due >= now]  # repeats must not pile up
    runner.timers.append(runner.sim.clock.call_at(at, fire))


def pick(devices: list[VirtualDevice], share: float, rng: random.Random) -> list[VirtualDevice]:
    """round(share * n) devices, drawn without replacement, in fleet order."""
    count = round(share * len(devices))
    if count >= len(devices):
        return list(devices)
    chosen = set(rng.sample(range(len(devices)), count))
    return [d for i, d in enumerate(devices) if i in chosen]


def run_step(runner: ScenarioRunner, step: schema.TimelineStep, rng: random.Random) -> None:
    fleet = runner.fleets[step.fleet]
    devices = pick(fleet.devices, step.share, rng)
    log.info("timeline: %s %s on %d device(s) of %s", step.do, step.at, len(devices), step.fleet)
    for device in devices:
        if step.do == "offline":
            device.go_offline(step.for_)
        elif step.do == "online":
            device.go_online()
        elif step.do == "reconnect":
            if device.link is not None and device.online:
                device.fleet.stats.reconnects += 1
                device.link.reconnect(device)
        elif step.do == "malformed":
            for _ in range(step.count or 1):
                if device.link is not None and device.reachable:
                    device.fleet.stats.malformed += device.link.malformed(device)
        elif step.do == "rate" and step.every is not None:
            device.set_period(step.every)
        elif step.do in ("action", "configure"):
            _through_the_backend(runner, step, device)


def _through_the_backend(runner: ScenarioRunner, step: schema.TimelineStep, device: VirtualDevice) -> None:
    """What POST /devices/{id}/actions or PATCH /devices/{id} would do."""
    devices, tenant_id, device_id = runner.sim.devices, device.tenant_id, device.device_id
    with acting_as(runner.actor):
        try:
            if step.do == "action":
                devices.create_device_action(tenant_id, device_id, step.action or "", dict(step.payload or {}))
            else:
                devices.update_device(tenant_id, device_id, DeviceChanges(configuration=dict(step.configuration or {})))
        except SimError as error:
            log.warning("timeline step refused: %s", error.message)
