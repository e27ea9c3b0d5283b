"""Actions: payloads checked against the type's actions schema; one bus event per device."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from simulator.core.events import DeviceActionRequested, DomainEvent

MISSING = "00000000-0000-4000-8000-000000000000"


def test_single_action_is_accepted_and_announced(
    api: httpx.Client, make_device: Callable[..., Any], bus_events: list[DomainEvent]
) -> None:
    device = make_device(aliases=["mac-9"])
    response = api.post(f"/devices/{device['id']}/actions", json={"action": "blink", "payload": {"times": 3}})
    assert response.status_code == 202
    action_id = response.json()["data"]["actionId"]
    sent = [e for e in bus_events if isinstance(e, DeviceActionRequested)]
    assert [(e.device_id, e.action_id, e.action, e.payload, e.aliases) for e in sent] == [
        (device["id"], action_id, "blink", {"times": 3}, ("mac-9",))
    ]


def test_bad_actions_are_refused(
    api: httpx.Client, make_device: Callable[..., Any], bus_events: list[DomainEvent]
) -> None:
    device = make_device()
    url = f"/devices/{device['id']}/actions"
    bad_payload = api.post(url, json={"action": "blink", "payload": {"times": 0}})
    assert bad_payload.status_code == 400
    assert bad_payload.json()["details"][0]["path"] == "body.payload.times"
    unknown = api.post(url, json={"action": "explode", "payload": {}})
    assert unknown.status_code == 400 and "explode" in unknown.json()["details"][0]["message"]
    assert api.post(url, json={"action": "blink"}).status_code == 400
    assert api.post(f"/devices/{MISSING}/actions", json={"action": "blink", "payload": {}}).status_code == 404
    assert not [e for e in bus_events if isinstance(e, DeviceActionRequested)]


def test_bulk_sends_only_where_the_type_accepts_the_action(
    api: httpx.Client, make_type: Callable[..., Any], make_device: Callable[..., Any], bus_events: list[DomainEvent]
) -> None:
    lamp = make_type()
    strict = make_type(name="Strict", schema={"actions": {"blink": {"type": "object", "required": ["color"]}}})
    silent = make_type(name="Silent", schema={})
    targets = [make_device(type_id=t["id"], tags=["hall"]) for t in (lamp, strict, silent, lamp)]
    elsewhere = make_device(type_id=lamp["id"], tags=["garden"])
    body = {"action": "blink", "payload": {"times": 2}, "deviceFilter": {"deviceTag": ["HALL"]}}
    response = api.post("/devices/actions", json=body)
    assert response.status_code == 202
    action_ids = response.json()["data"]["actionIds"]
    assert list(action_ids) == [targets[3]["id"], targets[0]["id"]]
    sent = {e.device_id: e.action_id for e in bus_events if isinstance(e, DeviceActionRequested)}
    assert sent == action_ids and elsewhere["id"] not in sent
    nobody = api.post("/devices/actions", json={**body, "deviceFilter": {"deviceTag": ["attic"]}})
    assert nobody.status_code == 202 and nobody.json()["data"]["actionIds"] == {}
    assert api.post("/devices/actions", json={"action": "blink", "payload": {}}).status_code == 400
