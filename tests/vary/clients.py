"""Two small clients of the devices API: one makes the assumptions variation mode is there to catch.

The naive one assumes an optional field is present (`info.location`), that the `info.tags` list
is always there, and that every time is written `...:SS.fffZ`. The robust one reads the same
data the way the contract allows it to arrive.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx


def _device(http: httpx.Client, device_id: str) -> dict[str, Any]:
    response = http.get(f"/devices/{device_id}")
    response.raise_for_status()
    data: dict[str, Any] = response.json()["data"]
    return data


class NaiveDeviceClient:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def summary(self, device_id: str) -> str:
        device = _device(self.http, device_id)
        info = device["info"]
        since = datetime.strptime(device["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ")
        where = info["location"] or "nowhere"
        return f"{info['name']} ({where}, {len(info['tags'])} tags) since {since:%Y-%m-%d}"


class RobustDeviceClient:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def summary(self, device_id: str) -> str:
        device = _device(self.http, device_id)
        info = device["info"]
        since = datetime.fromisoformat(device["createdAt"].upper())  # RFC 3339: any offset, any precision
        where = info.get("location") or "nowhere"
        return f"{info['name']} ({where}, {len(info.get('tags') or [])} tags) since {since:%Y-%m-%d}"


def create_device(http: httpx.Client, name: str = "Lamp") -> str:
    """A device made the way a user's test would: only the required fields."""
    device_type = http.post("/device-types", json={"name": "Lamp type", "schema": {}})
    device_type.raise_for_status()
    body = {"info": {"name": name, "deviceTypeId": device_type.json()["data"]["id"]}}
    created = http.post("/devices", json=body)
    created.raise_for_status()
    return str(created.json()["data"]["id"])
