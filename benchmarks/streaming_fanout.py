"""Side-effect cost of one ingested value: stream fan-out and notification evaluation per bus event.

Run: python benchmarks/streaming_fanout.py  (medians of several rounds; the machine is shared and noisy)

Publishes `DataReported` / `EventReported` straight on the bus of an in-process simulator with
N open stream connections (queues only, no sockets) or N active notifications, and reports the
median cost per published event against the bare bus (no subscribers of these areas).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from simulator.core.events import DataReported, EventReported
from simulator.runtime import Simulator
from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.inputs import NewDevice
from simulator.services.notifications.inputs import NewNotification
from simulator.services.streaming.models import StreamRequest
from simulator.settings import Settings

ROUNDS = 5
EVENTS = 2_000


def world() -> tuple[Simulator, str, str]:
    sim = Simulator(Settings(clock="manual"))
    tenant = sim.world.tenant_id
    dtype = sim.device_types.create_device_type(
        tenant, NewDeviceType("t", {"attributes": {"t": {"type": "number"}}, "events": {"hot": {}}})
    )
    device = sim.devices.create_device(tenant, NewDevice("d", dtype.id, tags=["a"]))
    return sim, tenant, device.id


def per_event_us(sim: Simulator, events: list[Any]) -> float:
    rounds = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for event in events:
            sim.bus.publish(event)
        rounds.append((time.perf_counter() - start) / len(events) * 1e6)
        for subscribers in sim.streaming.subscribers.values():
            for subscriber in subscribers:
                subscriber.take()
    return statistics.median(rounds)


def main() -> None:
    sim, tenant, device = world()
    stamp = "2026-01-01T00:00:00.000Z"  # the form the pipeline publishes
    data = [DataReported(tenant, device, device, "attributes", {"t": i}, stamp) for i in range(EVENTS)]
    events = [EventReported(tenant, device, device, {"type": "hot", "value": {}}) for _ in range(EVENTS)]
    baseline = per_event_us(sim, data)
    print(f"DataReported, no streams/notifications: {baseline:8.2f} us/event")
    for count in (1, 10, 100):
        sim, tenant, device = world()
        for i in range(count):
            conditions = {"tag": ["a"]} if i % 2 else {"type": ["attributeUpdate"]}
            url = sim.streaming.create_streaming_connection(tenant, f"c{i}", StreamRequest(filter=conditions))
            sim.streaming.open(url.rsplit("=", 1)[1])
        cost = per_event_us(sim, data)
        print(f"DataReported, {count:3d} live streams:     {cost:8.2f} us/event  ({cost / baseline:5.1f}x bare)")
    for count in (1, 10, 100):
        sim, tenant, device = world()
        for _ in range(count):
            sim.notifications.create_notification(
                tenant, NewNotification(template={}, filter={"deviceEvent": ["hot"], "deviceTag": ["a"]})
            )
        cost = per_event_us(sim, events[: EVENTS // 4])
        print(f"EventReported, {count:3d} notifications:   {cost:8.2f} us/event  (each one fires)")


if __name__ == "__main__":
    main()
