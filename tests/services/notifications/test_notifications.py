"""Notification CRUD, and filters evaluated against ingested events (history instead of e-mail)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from simulator.testing import SimHandle
from tests.services.notifications.conftest import TEMPLATE, history, send_data, send_event

UNKNOWN = "123e4567-e89b-42d3-a456-426655440000"


def test_create_get_list(api: httpx.Client, notify: Callable[..., dict[str, Any]]) -> None:
    first = notify({"deviceEvent": ["overheated"]})
    assert first["active"] is True
    assert first["notificationTemplate"] == TEMPLATE
    assert first["notificationFilter"] == {"deviceEvent": ["overheated"]}
    second = notify({}, active=False)
    assert api.get(f"/notifications/{first['id']}").json()["data"] == first
    body = api.get("/notifications", params={"pageSize": 1}).json()
    assert [n["id"] for n in body["data"]] == [second["id"]]
    assert body["meta"]["itemsTotal"] == 2


def test_put_replaces_and_patch_changes_a_subset(
    olt_sim: SimHandle, api: httpx.Client, notify: Callable[..., dict[str, Any]]
) -> None:
    created = notify({"deviceEvent": ["overheated"]})
    olt_sim.advance(10)
    replaced = api.put(
        f"/notifications/{created['id']}",
        json={
            "active": False,
            "notificationTemplate": {"subject": "x"},
            "notificationFilter": {"deviceTag": ["a"]},
        },
    )
    assert replaced.status_code == 200
    data = replaced.json()["data"]
    assert (data["active"], data["notificationTemplate"], data["notificationFilter"]) == (
        False,
        {"subject": "x"},
        {"deviceTag": ["a"]},
    )
    assert data["updatedAt"] != data["createdAt"] == created["createdAt"]
    patched = api.patch(f"/notifications/{created['id']}", json={"active": True}).json()["data"]
    assert (patched["active"], patched["notificationFilter"]) == (True, {"deviceTag": ["a"]})
    assert api.put(f"/notifications/{created['id']}", json={"active": True}).status_code == 400


def test_delete_and_unknown_ids(api: httpx.Client, notify: Callable[..., dict[str, Any]]) -> None:
    created = notify({})
    assert api.delete(f"/notifications/{created['id']}").status_code == 204
    for call in (api.get, api.delete):
        assert call(f"/notifications/{created['id']}").status_code == 404
    assert api.patch(f"/notifications/{UNKNOWN}", json={"active": False}).status_code == 404
    assert api.post("/notifications", json={"notificationFilter": {}}).status_code == 400


def test_matching_event_is_recorded_in_history(
    olt_sim: SimHandle, api: httpx.Client, notify: Callable[..., dict[str, Any]], make_device: Callable[..., str]
) -> None:
    device_id = make_device(tags=["Kitchen", "floor1"])
    notification = notify(
        {"deviceEvent": ["overheated", "lowBattery"], "deviceTag": ["kitchen"], "deviceId": [device_id]}
    )
    send_event(api, device_id, "overheated", {"temperature": 92})
    entries = history(api)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["notificationId"] == notification["id"]
    assert entry["notification"] == notification
    assert entry["triggeredAt"] == "2026-01-01T00:00:00.000Z"
    trigger = entry["trigger"]
    assert (trigger["type"], trigger["value"], trigger["deviceId"]) == ("overheated", {"temperature": 92}, device_id)


def test_non_matching_and_inactive_notifications_stay_silent(
    api: httpx.Client, notify: Callable[..., dict[str, Any]], make_device: Callable[..., str]
) -> None:
    tagged, plain = make_device(tags=["kitchen"]), make_device()
    notify({"deviceEvent": ["doorOpened"]})
    notify({"deviceTag": ["kitchen"]}, active=False)
    notify({"deviceId": [tagged], "deviceEvent": ["overheated"]})
    notify({"deviceTag": ["kitchen"], "deviceEvent": ["overheated"]})
    send_event(api, plain, "overheated")
    send_event(api, tagged, "lowBattery")
    assert history(api) == []


def test_data_reports_trigger_only_data_filters(
    api: httpx.Client, notify: Callable[..., dict[str, Any]], make_device: Callable[..., str]
) -> None:
    device_id = make_device()
    on_temperature = notify({"deviceAttribute": ["temperature"]})
    notify({"deviceConfiguration": ["brightness"], "deviceId": [UNKNOWN]})
    notify({})  # events only
    send_data(api, device_id, {"humidity": 40})
    send_data(api, device_id, {"temperature": 21.5, "humidity": 40})
    send_data(api, device_id, {"brightness": 3}, kind="configuration")
    entries = history(api)
    assert [e["notificationId"] for e in entries] == [on_temperature["id"]]
    assert entries[0]["trigger"]["value"] == {"temperature": 21.5, "humidity": 40}


def test_history_is_newest_first_paged_and_filterable(
    olt_sim: SimHandle, api: httpx.Client, notify: Callable[..., dict[str, Any]], make_device: Callable[..., str]
) -> None:
    device_id = make_device()
    hot = notify({"deviceEvent": ["overheated"]})
    door = notify({"deviceEvent": ["doorOpened"]})
    for event_type in ("overheated", "doorOpened", "overheated"):
        send_event(api, device_id, event_type)
        olt_sim.advance(1)
    assert [e["notificationId"] for e in history(api)] == [hot["id"], door["id"], hot["id"]]
    assert len(history(api, notificationId=hot["id"])) == 2
    assert len(history(api, notificationId=f"{hot['id']},{door['id']}")) == 3
    page = api.get("/notifications/history", params={"pageSize": 2, "page": 1}).json()
    assert page["meta"] == {"page": 1, "pageSize": 2, "itemsTotal": 3, "pagesTotal": 2}
    assert api.get("/notifications/history", params={"notificationId": "not-a-uuid"}).status_code == 400


def test_tenants_are_isolated(
    olt_sim: SimHandle, api: httpx.Client, notify: Callable[..., dict[str, Any]], make_device: Callable[..., str]
) -> None:
    notification = notify({})
    send_event(api, make_device(), "overheated")
    sim = olt_sim.sim
    tenant = olt_sim.call(lambda: sim.tenants.create_tenant("Other", sim.world.owner_user_id))
    other = olt_sim.client(olt_sim.token(tenant=tenant.id))
    assert other.get(f"/notifications/{notification['id']}").status_code == 404
    assert other.get("/notifications").json()["data"] == []
    assert other.get("/notifications/history").json()["data"] == []


def test_readers_cannot_write(olt_sim: SimHandle) -> None:
    reader = olt_sim.client("reader@example.com")
    assert reader.post("/notifications", json={"notificationTemplate": {}, "notificationFilter": {}}).status_code == 403
    assert reader.get("/notifications").status_code == 200
