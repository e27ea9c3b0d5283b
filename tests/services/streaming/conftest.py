"""Streaming test helpers: a tenant with a typed, tagged device, ingest over HTTP, stream URLs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulator.testing import SimHandle

SCHEMA: dict[str, Any] = {
    "attributes": {"temperature": {"type": "number"}, "humidity": {"type": "number"}},
    "configuration": {"brightness": {"type": "integer"}},
    "events": {"overheated": {}, "doorOpened": {}},
}
CATEGORY = "urn:oma:lwm2m:ext:3303"


class Tenant:
    """An owner client plus one device type (with a category) and a tagged device."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        response = client.post("/device-types", json={"name": "Sensor", "schema": SCHEMA, "categories": [CATEGORY]})
        assert response.status_code == 201, response.text
        self.type_id = str(response.json()["data"]["id"])
        self.device_id = self.device(tags=["kitchen"])

    def device(self, tags: list[str] | None = None, type_id: str | None = None) -> str:
        info = {"name": "sensor", "deviceTypeId": type_id or self.type_id, "tags": tags or []}
        response = self.client.post("/devices", json={"info": info})
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def stream_url(self, filter_: dict[str, Any] | None = None, **body: Any) -> str:
        response = self.client.post("/devices/streaming-connections", json={"filter": filter_ or {}, **body})
        assert response.status_code == 200, response.text
        return str(response.json()["data"]["url"])

    def data(self, value: dict[str, Any], kind: str = "attributes", device_id: str | None = None) -> None:
        device_id = device_id or self.device_id
        body = {"deviceId": device_id, "senderId": device_id, "type": kind, "value": value}
        response = self.client.post("/data-ingest", json=body)
        assert response.status_code == 202, response.text

    def event(self, event_type: str, value: dict[str, Any] | None = None, device_id: str | None = None) -> None:
        device_id = device_id or self.device_id
        body = {"deviceId": device_id, "senderId": device_id, "type": event_type, "value": value or {}}
        response = self.client.post("/event-ingest", json=body)
        assert response.status_code == 202, response.text


@pytest.fixture
def tenant(olt_sim: SimHandle) -> Tenant:
    return Tenant(olt_sim.client())


@pytest.fixture
def server_tenant(olt_sim_server: SimHandle) -> Tenant:
    return Tenant(olt_sim_server.client())
