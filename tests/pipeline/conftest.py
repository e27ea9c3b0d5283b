"""Helpers for pipeline tests: device types and devices are created through the HTTP API."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

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

    def ingest(self, device_id: str, value: dict[str, Any], *, sender: str | None = None, kind: str = "attributes",
               time: str | None = None) -> httpx.Response:
        body: dict[str, Any] = {"senderId": sender or device_id, "deviceId": device_id, "type": kind, "value": value}
        if time is not None:
            body["time"] = time
        return self.client.post("/data-ingest", json=body)

    def diagnostics(self, device_id: str) -> list[dict[str, Any]]:
        response = self.client.get(f"/devices/{device_id}/last-diagnostics")
        assert response.status_code == 200, response.text
        return list(response.json()["data"])


@pytest.fixture
def world(olt_sim: SimHandle) -> World:
    return World(olt_sim, olt_sim.client())


def other_tenant_client(sim: SimHandle) -> httpx.Client:
    """An owner client of a second tenant (same owner user, another tenant)."""
    owner = sim.world.owner_user_id
    other = sim.call(lambda: sim.sim.tenants.create_tenant("Other", owner))
    return sim.client(sim.token(tenant=other.id))
