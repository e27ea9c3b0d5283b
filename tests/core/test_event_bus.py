"""The bus: subscribers in order; a failing one is logged in serve and raised in tests (strict mode);
batches reach batch handlers once and every other subscriber item by item."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from simulator.core.events import DataReported, DataReportedBatch, DeviceCreated, DomainEvent, EventBus
from simulator.services.devices.inputs import NewDevice
from simulator.testing import SimHandle


def boom(event: DomainEvent) -> None:
    raise RuntimeError("subscriber bug")


def test_a_failing_subscriber_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    bus, heard = EventBus(), list[DomainEvent]()
    bus.subscribe(DeviceCreated, boom)
    bus.subscribe(DomainEvent, heard.append)
    with caplog.at_level(logging.ERROR, "simulator.core.events"):
        bus.publish(DeviceCreated("t", "d"))
    assert heard == [DeviceCreated("t", "d")]
    assert "subscriber bug" in caplog.text


def test_strict_mode_raises_the_subscriber_error() -> None:
    bus = EventBus(strict=True)
    bus.subscribe(DeviceCreated, boom)
    with pytest.raises(RuntimeError, match="subscriber bug"):
        bus.publish(DeviceCreated("t", "d"))


def test_unsubscribe_stops_delivery() -> None:
    bus, heard = EventBus(strict=True), list[DomainEvent]()
    unsubscribe = bus.subscribe(DeviceCreated, heard.append)
    unsubscribe()
    bus.publish(DeviceCreated("t", "d"))
    assert heard == []


def test_the_fixture_bus_is_strict(olt_sim: SimHandle) -> None:
    assert olt_sim.sim.bus.strict
    sim = olt_sim.sim
    unsubscribe = olt_sim.call(lambda: sim.bus.subscribe(DeviceCreated, boom))
    try:
        device_type = olt_sim.client().post("/device-types", json={"name": "T", "schema": {}}).json()["data"]
        with pytest.raises(RuntimeError, match="subscriber bug"):
            olt_sim.call(lambda: sim.devices.create_device(olt_sim.tenant_id, NewDevice("d", device_type["id"])))
    finally:
        olt_sim.call(unsubscribe)


def _batch() -> DataReportedBatch:
    return DataReportedBatch("t", "attributes", "now", ["d1", "d2"], ["d1", "g"], [{"a": 1}, {"a": 2}])


def test_a_batch_reaches_batch_handlers_once_and_everyone_else_item_by_item() -> None:
    bus, order = EventBus(strict=True), list[Any]()
    bus.subscribe(DataReported, lambda e: order.append(("plain", e.device_id)))
    bus.subscribe(DataReported, lambda e: order.append(("never", e)), batch=lambda b: order.append(("batch", len(b))))
    bus.subscribe(DomainEvent, lambda e: order.append(("any", type(e).__name__)))
    bus.publish(_batch())
    assert order == [
        ("plain", "d1"),
        ("plain", "d2"),
        ("batch", 2),
        ("any", "DataReported"),
        ("any", "DataReported"),
    ]
    assert list(_batch().items())[1] == DataReported("t", "d2", "g", "attributes", {"a": 2}, "now")


def test_unsubscribing_drops_the_batch_handler_too() -> None:
    bus, heard = EventBus(strict=True), list[Any]()
    unsubscribe = bus.subscribe(DataReported, heard.append, batch=heard.append)
    unsubscribe()
    bus.publish(_batch())
    assert heard == []


def test_one_handler_for_two_event_types_keeps_its_batch_handler_when_one_goes() -> None:
    bus, batches = EventBus(strict=True), list[Any]()
    heard: list[DomainEvent] = []
    bus.subscribe(DataReported, heard.append, batch=batches.append)
    stop_created = bus.subscribe(DeviceCreated, heard.append)
    stop_created()
    bus.publish(_batch())
    assert len(batches) == 1 and heard == []
