"""Every devices-area operation stays inside the token's tenant: foreign ids are 404 (403 where the
contract says "Forbidden or not found"), lists never show foreign resources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from simulator.testing import SimHandle


@pytest.fixture
def owned(
    api: httpx.Client, make_type: Callable[..., Any], make_device: Callable[..., Any], new_cert: Callable[..., Any]
) -> dict[str, Any]:
    dtype = make_type(categories=["urn:x:secret"])
    device = make_device(type_id=dtype["id"], tags=["secret"])
    cert = api.post(f"/devices/{device['id']}/certificates", json={"cert": new_cert()[0]}).json()["data"]
    return {"type": dtype["id"], "device": device["id"], "cert": cert["id"]}


def foreign_calls(ids: dict[str, Any]) -> list[tuple[str, str, Any, int]]:
    d, t, c = ids["device"], ids["type"], ids["cert"]
    return [
        ("GET", f"/devices/{d}", None, 404),
        ("PATCH", f"/devices/{d}", {"custom": {"x": 1}}, 404),
        ("DELETE", f"/devices/{d}", None, 404),
        ("GET", f"/devices/{d}/state", None, 404),
        ("GET", f"/devices/{d}/onlinemonitoring", None, 403),
        ("PATCH", f"/devices/{d}/onlinemonitoring", {"communicationInterval": 5}, 403),
        ("POST", f"/devices/{d}/actions", {"action": "blink", "payload": {}}, 404),
        ("GET", f"/devices/{d}/last-events", None, 404),
        ("GET", f"/devices/{d}/last-diagnostics", None, 404),
        ("POST", f"/devices/{d}/certificates", {"cert": "x"}, 404),
        ("GET", f"/devices/{d}/certificates", None, 404),
        ("GET", f"/devices/{d}/certificates/{c}", None, 404),
        ("PATCH", f"/devices/{d}/certificates/{c}", {"status": "revoked"}, 404),
        ("DELETE", f"/devices/{d}/certificates/{c}", None, 404),
        ("GET", f"/device-types/{t}", None, 404),
        ("PATCH", f"/device-types/{t}", {"name": "mine"}, 404),
        ("DELETE", f"/device-types/{t}", None, 404),
        ("GET", f"/device-types/{t}/onlinemonitoring", None, 403),
        ("PATCH", f"/device-types/{t}/onlinemonitoring", {"communicationInterval": 5}, 403),
        ("POST", "/devices", {"info": {"name": "x", "deviceTypeId": t}}, 422),
    ]


def test_foreign_ids_are_not_found(
    olt_sim: SimHandle, api: httpx.Client, owned: dict[str, Any], other_client: httpx.Client
) -> None:
    for method, path, body, status in foreign_calls(owned):
        response = other_client.request(method, path, json=body)
        assert response.status_code == status, (method, path, response.text)
    # nothing changed for the owner
    assert api.get(f"/devices/{owned['device']}").json()["data"]["custom"] == {}
    assert api.get(f"/devices/{owned['device']}/certificates/{owned['cert']}").json()["data"]["status"] == "valid"
    assert api.get(f"/device-types/{owned['type']}").json()["data"]["name"] == "Lamp"
    assert api.get(f"/devices/{owned['device']}/onlinemonitoring").json()["data"]["communicationInterval"] is None


def test_lists_and_filters_show_only_the_own_tenant(
    api: httpx.Client,
    owned: dict[str, Any],
    other_client: httpx.Client,
    make_type: Callable[..., Any],
    make_device: Callable[..., Any],
) -> None:
    empty_page = {"page": 0, "pageSize": 20, "itemsTotal": 0, "pagesTotal": 0}
    for path in ("/devices", "/devices/state", "/device-types"):
        assert other_client.get(path).json() == {"data": [], "meta": empty_page}
    assert other_client.get("/device-types/categories").json() == {"data": []}
    assert other_client.get("/devices", params={"deviceId": owned["device"]}).json()["data"] == []
    assert other_client.get("/devices", params={"deviceTypeId": owned["type"]}).json()["data"] == []
    assert other_client.get("/device-types", params={"deviceTypeId": owned["type"]}).json()["data"] == []
    bulk = {"action": "blink", "payload": {}, "deviceFilter": {"deviceId": [owned["device"]]}}
    assert other_client.post("/devices/actions", json=bulk).json()["data"]["actionIds"] == {}
    own_type = make_type(other_client, name="Theirs")
    gateway_elsewhere = {"info": {"name": "x", "deviceTypeId": own_type["id"], "connectedBy": owned["device"]}}
    assert other_client.post("/devices", json=gateway_elsewhere).status_code == 422
    theirs = make_device(other_client, type_id=own_type["id"], tags=["secret"])
    assert [d["id"] for d in api.get("/devices", params={"deviceTag": "secret"}).json()["data"]] == [owned["device"]]
    assert [d["id"] for d in other_client.get("/devices").json()["data"]] == [theirs["id"]]
    assert [t["name"] for t in api.get("/device-types").json()["data"]] == ["Lamp"]
    assert api.get(f"/devices/{theirs['id']}").status_code == 404
