"""Pipeline state (series, standalone timeseries, dumps) survives snapshot/restore and goes on reset."""

from __future__ import annotations

import json

from simulator.testing import SimHandle
from tests.services.ingest.pipeline_helpers import TEMPERATURE, World


def test_snapshot_restores_series_and_dumps(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    world.ingest(device, {"temperature": 1}, time="2025-12-31T23:30:00Z")
    world.ingest(device, {"temperature": 2}, time="2025-12-31T23:10:00Z")  # out of order
    ts = world.client.post("/timeseries", json={"name": "m", "dataType": {"type": "number"}}).json()["data"]["id"]
    world.client.post(f"/timeseries/{ts}/data-points", json={"data": [{"value": 7}]})
    dump = world.client.post(f"/devices/{device}/timeseries-dump", json={"path": TEMPERATURE}).json()["data"]
    snapshot = json.loads(json.dumps(olt_sim.call(olt_sim.sim.snapshot)))

    olt_sim.reset()
    client = olt_sim.client()
    assert client.get(f"/timeseries/{ts}").status_code == 404
    olt_sim.call(lambda: olt_sim.sim.restore(snapshot))

    last = client.get(f"/devices/{device}/last-timeseries", params={"path": TEMPERATURE}).json()["data"]
    assert [p["value"] for p in last] == [1, 2]
    assert client.get(f"/timeseries/{ts}/last-data-points").json()["data"][0]["value"] == 7
    olt_sim.advance(1)
    assert [p["value"] for p in client.get(f"/devices/{device}/timeseries-dump/{dump['id']}").json()] == [1, 2]
    world.ingest(device, {"temperature": 3}, time="2025-12-31T23:20:00Z")  # restored lists stay sorted
    last = client.get(f"/devices/{device}/last-timeseries", params={"path": TEMPERATURE}).json()["data"]
    assert [p["value"] for p in last] == [1, 3, 2]
