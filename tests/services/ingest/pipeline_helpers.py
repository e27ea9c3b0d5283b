"""Helpers for pipeline tests: device types and devices are created through the HTTP API, plus the
naive aggregation reference the property tests compare against."""

from __future__ import annotations

import math
from typing import Any

import httpx

from simulator.services.timeseries.aggregation import FRAME_SECONDS
from simulator.testing import SimHandle

SCHEMA: dict[str, Any] = {
    "attributes": {
        "temperature": {"type": "number"},
        "humidity": {"type": "number", "minimum": 0, "maximum": 100},
        "label": {"type": "string"},
        "readings": {"type": "array", "items": {"type": "number"}},
    },
    "configuration": {"brightness": {"type": "integer", "minimum": 0, "maximum": 100}},
    "events": {"overheated": {"type": "object", "properties": {"temperature": {"type": "number"}}}},
}
RULES = [
    {"path": "$.attributes.temperature", "reportTo": ["timeseries"]},
    {"path": "$.attributes.humidity", "reportTo": ["deviceManagement"]},
    {"path": "$.attributes.readings[0]", "reportTo": ["timeseries", "deviceManagement"]},
    {"path": "$.configuration.brightness", "reportTo": ["timeseries"]},
]
TEMPERATURE = "$.attributes.temperature"


class World:
    """A client of one tenant plus shortcuts for the calls most tests make."""

    def __init__(self, sim: SimHandle, client: httpx.Client) -> None:
        self.sim, self.client = sim, client

    def device_type(self, schema: dict[str, Any] | None = None, rules: list[dict[str, Any]] | None = None) -> str:
        body = {"name": "Sensor", "schema": schema or SCHEMA, "reportingRules": RULES if rules is None else rules}
        response = self.client.post("/device-types", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def device(self, type_id: str, name: str = "dev", **info: Any) -> str:
        response = self.client.post("/devices", json={"info": {"name": name, "deviceTypeId": type_id, **info}})
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def ingest(
        self,
        device_id: str,
        value: dict[str, Any],
        *,
        sender: str | None = None,
        kind: str = "attributes",
        time: str | None = None,
    ) -> httpx.Response:
        body: dict[str, Any] = {"senderId": sender or device_id, "deviceId": device_id, "type": kind, "value": value}
        if time is not None:
            body["time"] = time
        return self.client.post("/data-ingest", json=body)

    def diagnostics(self, device_id: str) -> list[dict[str, Any]]:
        response = self.client.get(f"/devices/{device_id}/last-diagnostics")
        assert response.status_code == 200, response.text
        return list(response.json()["data"])


def other_tenant_client(sim: SimHandle) -> httpx.Client:
    """An owner client of a second tenant (same owner user, another tenant)."""
    owner = sim.world.owner_user_id
    other = sim.call(lambda: sim.sim.tenants.create_tenant("Other", owner))
    return sim.client(sim.token(tenant=other.id))


def naive_value(values: list[Any], how: str) -> Any:
    if how == "count":
        return len(values)
    if how in ("first", "last"):
        return (values[0] if how == "first" else values[-1]) if values else None
    nums = [int(v) if isinstance(v, bool) else v for v in values if isinstance(v, int | float)]
    if not nums:
        return None
    if how == "mean":
        return sum(nums) / len(nums)
    if how == "diff":
        return nums[-1] - nums[0]
    if how == "sum":
        return sum(nums)
    return min(nums) if how == "min" else max(nums)


def naive(points: list[tuple[float, Any]], start: float, end: float, how: str, frame: str | None) -> list[Any]:
    ordered = sorted(points, key=lambda p: p[0])  # stable: equal times keep arrival order
    inside = [(t, v) for t, v in ordered if start <= t < end]
    if frame is None:
        return [(start, naive_value([v for _, v in inside], how))]
    size = FRAME_SECONDS[frame]
    groups: dict[float, list[Any]] = {}
    for t, v in inside:
        groups.setdefault(math.floor(t / size) * size, []).append(v)
    return [(key, naive_value(groups[key], how)) for key in sorted(groups, reverse=True)]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        numbers = isinstance(a, int | float) and isinstance(b, int | float)
        return numbers and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return type(a) is type(b) and a == b


def load(sim: SimHandle, device_id: str, points: list[tuple[float, Any]], path: str = TEMPERATURE) -> None:
    """Put points straight into a device's series (on the simulator's loop), bypassing HTTP."""

    def append_all() -> None:
        for t, v in points:
            sim.sim.timeseries.append(sim.tenant_id, device_id, path, t, v)

    sim.call(append_all)
