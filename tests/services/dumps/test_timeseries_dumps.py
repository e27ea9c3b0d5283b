"""Device dumps: asynchronous on the simulator clock, 404 until ready, expiring after an hour."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from simulator.testing import SimHandle
from tests.services.ingest.pipeline_helpers import TEMPERATURE, World, other_tenant_client

BRIGHTNESS = "$.configuration.brightness"


def fill(world: World, device: str, values: list[int], minute0: int = 0) -> None:
    for i, value in enumerate(values):
        time = f"2025-12-31T23:{minute0 + i:02d}:00Z"
        assert world.ingest(device, {"temperature": value}, time=time).status_code == 202


def test_device_dump_ready_after_delay_then_expires(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    fill(world, device, [1, 2, 3])
    created = world.client.post(f"/devices/{device}/timeseries-dump", json={"path": TEMPERATURE})
    assert created.status_code == 202
    dump = created.json()["data"]
    assert dump["url"] == f"http://testserver/v1/devices/{device}/timeseries-dump/{dump['id']}"
    url = f"/devices/{device}/timeseries-dump/{dump['id']}"
    assert world.client.get(url).status_code == 404  # not ready yet
    olt_sim.advance(0.5)
    assert world.client.get(url).status_code == 404
    olt_sim.advance(0.5)  # dump_delay_seconds = 1
    ready = world.client.get(url)
    assert ready.status_code == 200
    assert ready.json() == [
        {"time": "2025-12-31T23:02:00.000Z", "value": 3},
        {"time": "2025-12-31T23:01:00.000Z", "value": 2},
        {"time": "2025-12-31T23:00:00.000Z", "value": 1},
    ]
    olt_sim.advance(3600 - 1.001)
    assert world.client.get(url).status_code == 200
    olt_sim.advance(0.001)
    assert world.client.get(url).status_code == 404  # expired one hour after creation


def test_dump_delay_comes_from_settings(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    settings = olt_sim.sim.settings
    try:
        olt_sim.sim.settings = replace(settings, dump_delay_seconds=30.0)
        dump = world.client.post(f"/devices/{device}/timeseries-dump", json={"path": TEMPERATURE}).json()["data"]
    finally:
        olt_sim.sim.settings = settings
    url = f"/devices/{device}/timeseries-dump/{dump['id']}"
    olt_sim.advance(29)
    assert world.client.get(url).status_code == 404
    olt_sim.advance(1)
    assert world.client.get(url).json() == []


def test_device_dump_time_range_and_content_fixed_at_request(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    fill(world, device, [1, 2, 3, 4])
    body = {"path": TEMPERATURE, "startTime": "2025-12-31T23:01:00Z", "endTime": "2025-12-31T23:02:00Z"}
    dump = world.client.post(f"/devices/{device}/timeseries-dump", json=body).json()["data"]
    fill(world, device, [9], minute0=1)  # arrives after the request
    olt_sim.advance(1)
    content = world.client.get(f"/devices/{device}/timeseries-dump/{dump['id']}").json()
    assert [p["value"] for p in content] == [3, 2]
    other_device = world.device(world.device_type())
    assert world.client.get(f"/devices/{other_device}/timeseries-dump/{dump['id']}").status_code == 404


def test_multi_device_raw_dump_uses_the_device_filter(world: World, olt_sim: SimHandle) -> None:
    type_id = world.device_type()
    kitchen = world.device(type_id, "kitchen", tags=["Ground"])
    hall = world.device(type_id, "hall", tags=["ground"])
    attic = world.device(type_id, "attic", tags=["top"])
    fill(world, kitchen, [1], 0)
    fill(world, hall, [2], 1)
    fill(world, attic, [3], 2)
    world.ingest(hall, {"brightness": 50}, kind="configuration", time="2025-12-31T23:05:00Z")
    body = {"dataFilter": {"startTime": "2025-12-31T00:00:00Z"}, "deviceFilter": {"deviceTag": ["GROUND"]}}
    created = world.client.post("/devices/timeseries-dump", json=body)
    assert created.status_code == 202
    dump = created.json()["data"]
    assert dump["url"].endswith(f"/v1/devices/timeseries-dump/{dump['id']}")
    assert world.client.get(f"/devices/timeseries-dump/{dump['id']}").status_code == 404
    olt_sim.advance(1)
    content = world.client.get(f"/devices/timeseries-dump/{dump['id']}").json()
    assert [(p["deviceId"], p["path"], p["value"]) for p in content] == [
        (hall, BRIGHTNESS, 50),
        (hall, TEMPERATURE, 2),
        (kitchen, TEMPERATURE, 1),
    ]
    only_temperature = {**body, "dataFilter": {"path": [TEMPERATURE]}}
    dump = world.client.post("/devices/timeseries-dump", json=only_temperature).json()["data"]
    olt_sim.advance(1)
    content = world.client.get(f"/devices/timeseries-dump/{dump['id']}").json()
    assert {p["path"] for p in content} == {TEMPERATURE}
    # the aggregated route does not serve a raw dump
    assert world.client.get(f"/devices/aggregated-timeseries-dump/{dump['id']}").status_code == 404


def test_multi_device_aggregated_dump(world: World, olt_sim: SimHandle) -> None:
    type_id = world.device_type()
    a, b = world.device(type_id, "a"), world.device(type_id, "b")
    fill(world, a, [1, 2, 3])
    fill(world, b, [10, 20], 30)
    body: dict[str, Any] = {
        "dataFilter": {"startTime": "2025-12-31T23:00:00Z", "endTime": "2026-01-01T00:00:00Z", "path": [TEMPERATURE]},
        "params": {"aggregation": "sum", "frameSize": "30m"},
        "deviceFilter": {"deviceTypeId": [type_id]},
    }
    dump = world.client.post("/devices/aggregated-timeseries-dump", json=body).json()["data"]
    olt_sim.advance(1)
    content = world.client.get(f"/devices/aggregated-timeseries-dump/{dump['id']}").json()
    assert content == [
        {"time": "2025-12-31T23:30:00.000Z", "value": 30, "deviceId": b, "path": TEMPERATURE},
        {"time": "2025-12-31T23:00:00.000Z", "value": 6, "deviceId": a, "path": TEMPERATURE},
    ]
    too_many = {
        **body,
        "dataFilter": {"startTime": "2025-01-01T00:00:00Z", "endTime": "2026-01-01T00:00:00Z"},
        "params": {"aggregation": "sum", "frameSize": "1m"},
    }
    assert world.client.post("/devices/aggregated-timeseries-dump", json=too_many).status_code == 400


def test_dumps_are_tenant_scoped(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type(), tags=["x"])
    fill(world, device, [1])
    own = world.client.post(f"/devices/{device}/timeseries-dump", json={"path": TEMPERATURE}).json()["data"]
    many = world.client.post("/devices/timeseries-dump", json={"dataFilter": {}, "deviceFilter": {"deviceTag": ["x"]}})
    olt_sim.advance(1)
    other = other_tenant_client(olt_sim)
    assert other.get(f"/devices/{device}/timeseries-dump/{own['id']}").status_code == 404
    assert other.get(f"/devices/timeseries-dump/{many.json()['data']['id']}").status_code == 404
    assert other.post(f"/devices/{device}/timeseries-dump", json={"path": TEMPERATURE}).status_code == 404
    theirs = other.post("/devices/timeseries-dump", json={"dataFilter": {}, "deviceFilter": {"deviceTag": ["x"]}})
    olt_sim.advance(1)
    assert other.get(f"/devices/timeseries-dump/{theirs.json()['data']['id']}").json() == []
