"""Device state (reported values with per-key times) and online monitoring with inheritance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from simulator.testing import SimHandle

MISSING = "00000000-0000-4000-8000-000000000000"


def test_reported_state_is_kept_apart_from_the_desired_configuration(
    olt_sim: SimHandle, api: httpx.Client, make_device: Callable[..., Any]
) -> None:
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    device = make_device(configuration={"brightness": 80})
    start = olt_sim.now()

    def report() -> None:
        sim.devices.apply_reported(tenant, device["id"], "configuration", {"brightness": 20}, start)
        sim.devices.apply_reported(tenant, device["id"], "attributes", {"temperature": 21.5, "humidity": 40}, start)
        later = start + timedelta(seconds=30)
        sim.devices.apply_reported(tenant, device["id"], "attributes", {"temperature": 22.0}, later)
        sim.devices.apply_reported(
            tenant, device["id"], "attributes", {"temperature": 5.0, "humidity": 41}, start - timedelta(seconds=5)
        )  # late arrival: older than what we have
        sim.devices.touch(tenant, device["id"])

    olt_sim.call(report)
    state = api.get(f"/devices/{device['id']}/state").json()["data"]
    assert state["attributes"] == {"temperature": 22.0, "humidity": 40}
    assert state["configuration"] == {"brightness": 20}
    assert state["attributesUpdatedAt"] == {
        "temperature": "2026-01-01T00:00:30.000Z",
        "humidity": "2026-01-01T00:00:00.000Z",
    }
    assert state["configurationUpdatedAt"] == {"brightness": "2026-01-01T00:00:00.000Z"}
    assert state["lastSeen"] == "2026-01-01T00:00:00.000Z" and state["online"] is None
    assert api.get(f"/devices/{device['id']}").json()["data"]["configuration"] == {"brightness": 80}
    with pytest.raises(ValueError):
        olt_sim.call(lambda: sim.devices.apply_reported(tenant, device["id"], "events", {}, start))


def test_state_of_a_new_device_is_empty_and_unknown_devices_are_404(
    api: httpx.Client, make_device: Callable[..., Any]
) -> None:
    device = make_device()
    state = api.get(f"/devices/{device['id']}/state").json()["data"]
    assert state == {
        "deviceId": device["id"],
        "attributes": {},
        "configuration": {},
        "attributesUpdatedAt": {},
        "configurationUpdatedAt": {},
        "lastSeen": None,
        "online": None,
    }
    assert api.get(f"/devices/{MISSING}/state").status_code == 404


def test_state_list_follows_the_device_filter(
    olt_sim: SimHandle, api: httpx.Client, make_device: Callable[..., Any]
) -> None:
    a, b, c = (make_device(name=n, tags=[t]) for n, t in (("a", "x"), ("b", "y"), ("c", "x")))
    olt_sim.call(
        lambda: olt_sim.sim.devices.apply_reported(
            olt_sim.tenant_id, a["id"], "attributes", {"v": 1}, olt_sim.sim.clock.now()
        )
    )
    body = api.get("/devices/state", params={"deviceTag": "X"}).json()
    assert [s["deviceId"] for s in body["data"]] == [c["id"], a["id"]]
    assert body["data"][1]["attributes"] == {"v": 1}
    assert body["meta"]["itemsTotal"] == 2
    assert [s["deviceId"] for s in api.get("/devices/state").json()["data"]] == [c["id"], b["id"], a["id"]]


@pytest.mark.parametrize(
    ("type_interval", "device_interval", "effective"),
    [(None, None, None), (300, None, 300), (0, None, 0), (None, 60, 60), (300, 60, 60), (300, 0, 0), (0, 60, 60)],
)
def test_effective_interval_inheritance(
    api: httpx.Client,
    make_type: Callable[..., Any],
    make_device: Callable[..., Any],
    type_interval: int | None,
    device_interval: int | None,
    effective: int | None,
) -> None:
    dtype = make_type(communicationInterval=type_interval)
    device = make_device(type_id=dtype["id"])
    url = f"/devices/{device['id']}/onlinemonitoring"
    response = api.patch(url, json={"communicationInterval": device_interval})
    assert response.status_code == 200
    data = api.get(url).json()["data"]
    assert data["communicationInterval"] == device_interval
    assert data["effectiveCommunicationInterval"] == effective
    assert data["online"] is (None if not effective else False)


def test_online_status_follows_last_contact_on_the_simulator_clock(
    olt_sim: SimHandle, api: httpx.Client, make_type: Callable[..., Any], make_device: Callable[..., Any]
) -> None:
    dtype = make_type(communicationInterval=60)
    device = make_device(type_id=dtype["id"])
    url = f"/devices/{device['id']}/onlinemonitoring"

    def online() -> Any:
        return api.get(url).json()["data"]["online"]

    assert online() is False  # never heard from
    olt_sim.call(lambda: olt_sim.sim.devices.touch(olt_sim.tenant_id, device["id"]))
    assert online() is True
    olt_sim.advance(60)
    assert online() is True
    olt_sim.advance(1)
    assert online() is False
    assert api.get(f"/devices/{device['id']}/state").json()["data"]["online"] is False
    api.patch(f"/device-types/{dtype['id']}/onlinemonitoring", json={"communicationInterval": 3600})
    assert online() is True  # the device inherits the type's new interval
    api.patch(url, json={"communicationInterval": 0})
    assert online() is None
    olt_sim.call(lambda: olt_sim.sim.devices.touch(olt_sim.tenant_id, MISSING))  # unknown devices are ignored


def test_monitoring_of_unknown_devices_is_403(api: httpx.Client) -> None:
    url = f"/devices/{MISSING}/onlinemonitoring"
    assert api.get(url).status_code == 403
    assert api.patch(url, json={"communicationInterval": 10}).status_code == 403


@pytest.mark.parametrize(
    "body", [{}, {"communicationInterval": -1}, {"communicationInterval": 172801}, {"communicationInterval": "5"}]
)
def test_bad_intervals_are_400(api: httpx.Client, make_device: Callable[..., Any], body: dict[str, Any]) -> None:
    device = make_device()
    assert api.patch(f"/devices/{device['id']}/onlinemonitoring", json=body).status_code == 400
