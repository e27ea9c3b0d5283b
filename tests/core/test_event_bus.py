"""The bus: subscribers in order; a failing one is logged in serve and raised in tests (strict mode)."""

from __future__ import annotations

import logging

import pytest

from simulator.core.events import DeviceCreated, DomainEvent, EventBus
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
