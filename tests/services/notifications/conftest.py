"""Notification test helpers: a device type with events, tagged devices, HTTP ingest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from simulator.testing import SimHandle

SCHEMA: dict[str, Any] = {
    "attributes": {"temperature": {"type": "number"}, "humidity": {"type": "number"}},
    "configuration": {"brightness": {"type": "integer"}},
    "events": {"overheated": {}, "doorOpened": {}, "lowBattery": {}},
}
TEMPLATE = {"channel": "email", "recipients": ["ops@example.com"], "subject": "Alert", "body": "Device event"}


@pytest.fixture
def api(olt_sim: SimHandle) -> httpx.Client:
    return olt_sim.client()


@pytest.fixture
def type_id(api: httpx.Client) -> str:
    response = api.post("/device-types", json={"name": "Sensor", "schema": SCHEMA})
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["id"])


@pytest.fixture
def make_device(api: httpx.Client, type_id: str) -> Callable[..., str]:
    def make(tags: list[str] | None = None) -> str:
        info = {"name": "sensor", "deviceTypeId": type_id, "tags": tags or []}
        response = api.post("/devices", json={"info": info})
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    return make


@pytest.fixture
def notify(api: httpx.Client) -> Callable[..., dict[str, Any]]:
    def make(conditions: dict[str, Any], **fields: Any) -> dict[str, Any]:
        body = {"notificationTemplate": TEMPLATE, "notificationFilter": conditions, **fields}
        response = api.post("/notifications", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json()["data"])

    return make


def send_event(api: httpx.Client, device_id: str, event_type: str, value: dict[str, Any] | None = None) -> None:
    body = {"deviceId": device_id, "senderId": device_id, "type": event_type, "value": value or {}}
    response = api.post("/event-ingest", json=body)
    assert response.status_code == 202, response.text


def send_data(api: httpx.Client, device_id: str, value: dict[str, Any], kind: str = "attributes") -> None:
    body = {"deviceId": device_id, "senderId": device_id, "type": kind, "value": value}
    response = api.post("/data-ingest", json=body)
    assert response.status_code == 202, response.text


def history(api: httpx.Client, **params: Any) -> list[dict[str, Any]]:
    response = api.get("/notifications/history", params={"pageSize": 100, **params})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])
