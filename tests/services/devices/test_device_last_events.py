"""Last-hour events and diagnostics of a device, read from the stores the pipeline fills."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from simulator.testing import SimHandle


def event(kind: str, at: str, device_id: str) -> dict[str, Any]:
    return {
        "id": "0b6f1f5e-3f5c-4d1e-9a56-7a2f0d8c1e42",
        "type": kind,
        "value": {},
        "createdAt": at,
        "receivedAt": at,
        "deviceId": device_id,
        "senderId": device_id,
    }


def test_last_events_window_order_and_type_filter(
    olt_sim: SimHandle, api: httpx.Client, make_device: Callable[..., Any]
) -> None:
    device = make_device()
    sim = olt_sim.sim
    olt_sim.call(lambda: sim.events.record_event(device["id"], event("old", "2026-01-01T00:00:00.000Z", device["id"])))
    olt_sim.advance(1800)
    olt_sim.call(
        lambda: sim.events.record_event(device["id"], event("overheated", "2026-01-01T00:30:00.000Z", device["id"]))
    )
    olt_sim.advance(1000)
    olt_sim.call(
        lambda: sim.events.record_event(device["id"], event("cooled", "2026-01-01T00:46:40.000Z", device["id"]))
    )
    url = f"/devices/{device['id']}/last-events"
    assert [e["type"] for e in api.get(url).json()["data"]] == ["cooled", "overheated", "old"]
    assert [e["type"] for e in api.get(url, params={"eventTypes": "old,cooled"}).json()["data"]] == ["cooled", "old"]
    olt_sim.advance(1000)  # "old" is now more than an hour ago
    assert [e["type"] for e in api.get(url).json()["data"]] == ["cooled", "overheated"]
    assert api.get("/devices/00000000-0000-4000-8000-000000000000/last-events").status_code == 404


def test_last_diagnostics_newest_first_within_the_hour(
    olt_sim: SimHandle, api: httpx.Client, make_device: Callable[..., Any]
) -> None:
    device, other = make_device(), make_device()
    sim, tenant = olt_sim.sim, olt_sim.tenant_id

    def diagnose(code: str) -> None:
        sim.events.record_diagnostic(tenant, device["id"], source="mqtt", code=code, message=code)

    olt_sim.call(lambda: diagnose("FIRST"))
    olt_sim.advance(3000)
    olt_sim.call(lambda: diagnose("SECOND"))
    url = f"/devices/{device['id']}/last-diagnostics"
    assert [d["code"] for d in api.get(url).json()["data"]] == ["SECOND", "FIRST"]
    olt_sim.advance(700)
    assert [d["code"] for d in api.get(url).json()["data"]] == ["SECOND"]
    assert api.get(f"/devices/{other['id']}/last-diagnostics").json() == {"data": []}
    assert api.get("/devices/00000000-0000-4000-8000-000000000000/last-diagnostics").status_code == 404
