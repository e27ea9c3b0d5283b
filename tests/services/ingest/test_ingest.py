"""HTTP data-ingest and event-ingest through the one pipeline."""

from __future__ import annotations

from typing import Any

from simulator.core.errors import SimError
from simulator.core.events import DataReported, EventReported
from simulator.testing import SimHandle
from tests.services.ingest.pipeline_helpers import TEMPERATURE, World, other_tenant_client


def state(world: World, device_id: str) -> dict[str, Any]:
    response = world.client.get(f"/devices/{device_id}/state")
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def last(world: World, device_id: str, path: str = TEMPERATURE) -> list[dict[str, Any]]:
    response = world.client.get(f"/devices/{device_id}/last-timeseries", params={"path": path})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_data_ingest_updates_state_with_clock_time(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    response = world.ingest(device, {"temperature": 21.5, "humidity": 40})
    assert response.status_code == 202, response.text
    now = olt_sim.now()
    assert response.json()["data"]["receivedAt"].startswith(now.strftime("%Y-%m-%dT%H:%M:%S"))
    got = state(world, device)
    assert got["attributes"] == {"temperature": 21.5, "humidity": 40}
    assert got["attributesUpdatedAt"]["temperature"] == response.json()["data"]["receivedAt"]
    olt_sim.advance(10)
    world.ingest(device, {"temperature": 22}, time="2026-01-01T00:00:05Z")
    got = state(world, device)
    assert got["attributes"]["temperature"] == 22
    assert got["attributesUpdatedAt"]["temperature"] == "2026-01-01T00:00:05.000Z"
    assert got["lastSeen"] is not None


def test_configuration_ingest_updates_reported_configuration(world: World) -> None:
    device = world.device(world.device_type())
    assert world.ingest(device, {"brightness": 70}, kind="configuration").status_code == 202
    assert state(world, device)["configuration"] == {"brightness": 70}
    points = world.client.get(f"/devices/{device}/last-timeseries", params={"path": "$.configuration.brightness"})
    assert [p["value"] for p in points.json()["data"]] == [70]


def test_reporting_rules_choose_what_reaches_timeseries(world: World) -> None:
    device = world.device(world.device_type())
    world.ingest(device, {"temperature": 20, "humidity": 50, "readings": [7, 8]})
    assert [p["value"] for p in last(world, device)] == [20]
    assert last(world, device, "$.attributes.humidity") == []  # deviceManagement only: state, no timeseries
    assert [p["value"] for p in last(world, device, "$.attributes.readings[0]")] == [7]
    assert state(world, device)["attributes"]["humidity"] == 50


def test_schema_violation_answers_400_and_writes_diagnostics(world: World) -> None:
    device = world.device(world.device_type())
    response = world.ingest(device, {"temperature": "hot"})
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "SCHEMA_VALIDATION_FAILED"
    assert body["details"][0]["path"] == "value.temperature"
    entries = world.diagnostics(device)
    assert len(entries) == 1
    assert entries[0]["code"] == "SCHEMA_VALIDATION_FAILED"
    assert entries[0]["source"] == "data-ingest"
    assert entries[0]["payload"]["value"] == {"temperature": "hot"}
    assert state(world, device)["attributes"] == {}  # nothing stored
    assert last(world, device) == []


def test_event_ingest_stores_event_and_validates_type(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    response = world.client.post(
        "/event-ingest", json={"type": "overheated", "value": {"temperature": 90}, "deviceId": device}
    )
    assert response.status_code == 202, response.text
    events = world.client.get(f"/devices/{device}/last-events").json()["data"]
    assert len(events) == 1
    assert events[0]["type"] == "overheated" and events[0]["senderId"] == device
    assert events[0]["createdAt"] == events[0]["receivedAt"]
    bad = world.client.post("/event-ingest", json={"type": "exploded", "value": {}, "deviceId": device})
    assert bad.status_code == 400
    wrong = world.client.post(
        "/event-ingest", json={"type": "overheated", "value": {"temperature": "x"}, "deviceId": device}
    )
    assert wrong.status_code == 400
    codes = [(d["source"], d["code"]) for d in world.diagnostics(device)]
    assert codes == [("event-ingest", "SCHEMA_VALIDATION_FAILED")] * 2
    assert len(world.client.get(f"/devices/{device}/last-events").json()["data"]) == 1


def test_gateway_sends_for_connected_device_by_alias(world: World) -> None:
    type_id = world.device_type()
    gateway = world.device(type_id, "gateway")
    lamp = world.device(type_id, "lamp", connectedBy=gateway, aliases=["hue-0b"])
    assert world.ingest("hue-0b", {"temperature": 30}, sender=gateway).status_code == 202
    assert state(world, lamp)["attributes"] == {"temperature": 30}
    assert [p["value"] for p in last(world, lamp)] == [30]
    event = {"type": "overheated", "value": {}, "deviceId": "HUE-0B", "senderId": gateway}
    assert world.client.post("/event-ingest", json=event).status_code == 202
    stored = world.client.get(f"/devices/{lamp}/last-events").json()["data"]
    assert [(e["deviceId"], e["senderId"]) for e in stored] == [(lamp, gateway)]
    assert state(world, gateway)["lastSeen"] is not None


def test_sender_must_be_the_device_or_its_gateway(world: World) -> None:
    type_id = world.device_type()
    stranger = world.device(type_id, "stranger")
    lamp = world.device(type_id, "lamp", aliases=["lamp-1"])
    refused = world.ingest(lamp, {"temperature": 1}, sender=stranger)
    assert refused.status_code == 400
    assert refused.json()["errorCode"] == "SENDER_NOT_GATEWAY"
    assert [d["senderId"] for d in world.diagnostics(lamp)] == [stranger]
    # an alias only resolves among the sender's own devices
    assert world.ingest("lamp-1", {"temperature": 1}, sender=stranger).json()["errorCode"] == "DEVICE_NOT_FOUND"
    assert world.diagnostics(stranger)[0]["code"] == "DEVICE_NOT_FOUND"
    assert state(world, lamp)["attributes"] == {}


def test_bus_events_are_published(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    seen: list[Any] = []
    bus = olt_sim.sim.bus
    stops = [
        olt_sim.call(lambda: bus.subscribe(DataReported, seen.append)),
        olt_sim.call(lambda: bus.subscribe(EventReported, seen.append)),
    ]
    try:
        world.ingest(device, {"temperature": 5}, time="2025-12-31T23:00:00Z")
        world.client.post("/event-ingest", json={"type": "overheated", "deviceId": device})
        world.ingest(device, {"temperature": "bad"})
    finally:
        for stop in stops:
            olt_sim.call(stop)
    data, event = seen
    assert isinstance(data, DataReported) and data.device_id == device and data.kind == "attributes"
    assert data.value == {"temperature": 5} and data.time == "2025-12-31T23:00:00.000Z"
    assert isinstance(event, EventReported) and event.event["type"] == "overheated"
    assert event.tenant_id == olt_sim.tenant_id


def test_tenants_are_isolated(world: World, olt_sim: SimHandle) -> None:
    device = world.device(world.device_type())
    other = other_tenant_client(olt_sim)
    body = {"senderId": device, "deviceId": device, "type": "attributes", "value": {"temperature": 1}}
    assert other.post("/data-ingest", json=body).status_code == 400
    event = {"type": "overheated", "deviceId": device}
    assert other.post("/event-ingest", json=event).status_code == 404
    assert state(world, device)["attributes"] == {}
    assert world.diagnostics(device) == []  # the other tenant cannot even write diagnostics here
    assert other.get(f"/devices/{device}/last-timeseries", params={"path": TEMPERATURE}).status_code == 404


def test_backend_callers_get_diagnostics_with_their_source(world: World, olt_sim: SimHandle) -> None:
    """MQTT calls the same backend: unchecked payloads become diagnostics named after the source."""
    device = world.device(world.device_type())
    ingest = olt_sim.sim.ingest
    tenant = olt_sim.tenant_id

    def attempts() -> list[str]:
        codes = []
        for call in (
            lambda: ingest.ingest_data(
                tenant,
                sender_id=device,
                device_id=device,
                kind="attributes",
                value={"temperature": 1},
                time=12,  # type: ignore[arg-type]
                source="mqtt",
            ),
            lambda: ingest.ingest_data(
                tenant, sender_id=device, device_id=device, kind="state", value={}, source="mqtt"
            ),
            lambda: ingest.ingest_event(
                tenant,
                sender_id=None,
                device_id=device,
                event_type="overheated",
                value=[1],  # type: ignore[arg-type]
                source="mqtt",
            ),
        ):
            try:
                call()
            except SimError as error:
                codes.append(error.code)
        return codes

    assert olt_sim.call(attempts) == ["INVALID_TIME", "INVALID_TYPE", "SCHEMA_VALIDATION_FAILED"]
    assert {(d["source"], d["code"]) for d in world.diagnostics(device)} == {
        ("mqtt", "INVALID_TIME"),
        ("mqtt", "INVALID_TYPE"),
        ("mqtt", "SCHEMA_VALIDATION_FAILED"),
    }
    assert state(world, device)["attributes"] == {}


def test_ingest_over_real_sockets(olt_sim_server: SimHandle) -> None:
    world = World(olt_sim_server, olt_sim_server.client())
    device = world.device(world.device_type())
    assert world.ingest(device, {"temperature": 12.5}).status_code == 202
    assert [p["value"] for p in last(world, device)] == [12.5]
