"""Firmware test helpers: types with slots, devices and firmwares are made through the HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from simulator.testing import SimHandle

SLOTS = {"firmware": {"name": "Main firmware"}, "bootloader": {"name": "Bootloader"}}


@pytest.fixture
def api(olt_sim: SimHandle) -> httpx.Client:
    return olt_sim.client()


@pytest.fixture
def make_type(api: httpx.Client) -> Callable[..., str]:
    def make(slots: dict[str, Any] | None = None) -> str:
        body = {
            "name": "Switch",
            "schema": {"attributes": {"on": {"type": "boolean"}}},
            "slots": SLOTS if slots is None else slots,
        }
        response = api.post("/device-types", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    return make


@pytest.fixture
def make_device(api: httpx.Client) -> Callable[[str], str]:
    def make(type_id: str) -> str:
        response = api.post("/devices", json={"info": {"name": "switch", "deviceTypeId": type_id}})
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    return make


@pytest.fixture
def make_firmware(api: httpx.Client) -> Callable[..., dict[str, Any]]:
    def make(
        blob: bytes | None = b"\x7fELF firmware", client: httpx.Client | None = None, **fields: Any
    ) -> dict[str, Any]:
        client = client or api
        response = client.post("/firmwares", json={"name": "fw", "version": "1.0.0", **fields})
        assert response.status_code == 201, response.text
        firmware = dict(response.json()["data"])
        if blob is not None:
            response = client.put(
                f"/firmwares/{firmware['id']}/blob", content=blob, headers={"Content-Type": "application/octet-stream"}
            )
            assert response.status_code == 200, response.text
            firmware = dict(response.json()["data"])
        return firmware

    return make
