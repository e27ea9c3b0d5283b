"""Uplink over real MQTT: data and events reach state, timeseries and events; bad payloads become
diagnostics and never cost the session; every message is journaled; last contact is kept."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

import httpx
import pytest

from simulator.mqtt.broker import service_of
from simulator.testing import SimHandle
from tests.mqtt.conftest import Device, Platform, mosquitto_tls, wait_for


@pytest.fixture
def lamp(platform: Platform) -> str:
    return platform.device(platform.device_type())


@pytest.mark.parametrize("qos", [0, 1, 2])
def test_reported_attributes_reach_state_and_timeseries(
    platform: Platform, devices: Callable[..., Device], lamp: str, qos: int
) -> None:
    device = devices(platform.certificate(lamp))
    assert device.connect() == 0
    device.publish("data-ingest", {"type": "attributes", "value": {"temperature": 21.5, "label": "hall"}}, qos=qos)
    points = wait_for(lambda: platform.timeseries(lamp), what="a timeseries point")
    assert [p["value"] for p in points] == [21.5]
    assert platform.state(lamp)["attributes"] == {"temperature": 21.5, "label": "hall"}


def test_reported_configuration_and_events_are_stored(
    platform: Platform, devices: Callable[..., Device], lamp: str
) -> None:
    device = devices(platform.certificate(lamp))
    assert device.connect() == 0
    device.publish("data-ingest", {"type": "configuration", "value": {"brightness": 40}})
    event = {"type": "overheated", "value": {"temperature": 80}, "createdAt": "2020-01-02T03:04:05Z"}
    device.publish("event-ingest", event)
    wait_for(lambda: platform.state(lamp)["configuration"] == {"brightness": 40}, what="reported configuration")
    events = wait_for(lambda: platform.api.get(f"/devices/{lamp}/last-events").json()["data"], what="an event")
    assert events[0]["type"] == "overheated" and events[0]["value"] == {"temperature": 80}
    assert events[0]["createdAt"].startswith("2020-01-02T03:04:05")


@pytest.mark.parametrize(
    ("topic", "payload", "code"),
    [
        ("data-ingest", b"{this is not json", "INVALID_JSON"),
        ("data-ingest", b'{"type": "attributes", "value": [1]}', "SCHEMA_VALIDATION_FAILED"),
        ("data-ingest", b'{"type": "attributes", "value": {"temperature": "warm"}}', "SCHEMA_VALIDATION_FAILED"),
        ("event-ingest", b'{"type": "exploded", "value": {}}', "SCHEMA_VALIDATION_FAILED"),
    ],
)
def test_invalid_payloads_become_diagnostics_and_the_session_stays_up(
    olt_sim_server: SimHandle,
    platform: Platform,
    devices: Callable[..., Device],
    lamp: str,
    topic: str,
    payload: bytes,
    code: str,
) -> None:
    device = devices(platform.certificate(lamp))
    assert device.connect() == 0
    device.publish(topic, payload)
    entries = wait_for(lambda: platform.diagnostics(lamp), what="a diagnostics entry")
    assert entries[0]["code"] == code
    assert platform.state(lamp)["attributes"] == {}
    device.publish("data-ingest", {"type": "attributes", "value": {"temperature": 19}})
    wait_for(lambda: platform.state(lamp)["attributes"] == {"temperature": 19}, what="the next message")
    assert not device.disconnected.is_set()
    outcomes = [m["outcome"] for m in olt_sim_server.mqtt_messages()]
    assert outcomes == ["invalid", "accepted"]


def test_the_journal_records_uplink_messages(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], lamp: str
) -> None:
    device = devices(platform.certificate(lamp), client_id="smartkicker")
    assert device.connect() == 0
    device.publish("data-ingest", {"type": "attributes", "value": {"temperature": 1}}, qos=0)
    device.publish("data-ingest", {"type": "attributes", "value": {"temperature": 2}}, qos=1)
    wait_for(lambda: len(platform.timeseries(lamp)) == 2, what="two points")
    journal = httpx.get(f"{olt_sim_server.base_url}/_sim/mqtt/messages").json()["data"]
    assert [(m["direction"], m["clientId"], m["deviceId"], m["topic"], m["qos"]) for m in journal] == [
        ("uplink", "smartkicker", lamp, "data-ingest", 0),
        ("uplink", "smartkicker", lamp, "data-ingest", 1),
    ]
    assert journal[1]["payload"] == '{"type": "attributes", "value": {"temperature": 2}}'
    assert all(m["time"] and m["outcome"] == "accepted" for m in journal)


def test_connect_and_every_publish_update_the_last_contact(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], lamp: str
) -> None:
    assert platform.state(lamp)["lastSeen"] is None
    device = devices(platform.certificate(lamp))
    assert device.connect() == 0
    first = wait_for(lambda: platform.state(lamp)["lastSeen"], what="last seen after CONNECT")
    olt_sim_server.advance(60)
    device.publish("data-ingest", b"not even json")  # refused content still proves the device is alive
    wait_for(lambda: platform.state(lamp)["lastSeen"] > first, what="last seen after PUBLISH")


def test_the_retain_flag_is_ignored_on_ingest_topics(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], lamp: str
) -> None:
    device = devices(platform.certificate(lamp))
    assert device.connect() == 0
    device.publish("data-ingest", {"type": "attributes", "value": {"temperature": 3}}, qos=1, retain=True)
    wait_for(lambda: platform.timeseries(lamp), what="the retained-flag message to be ingested")
    service = service_of(olt_sim_server.sim)
    broker = service.broker if service is not None else None
    assert broker is not None
    assert olt_sim_server.call(lambda: dict(broker.retained_messages)) == {}


def test_mosquitto_pub_reports_with_a_registered_certificate(
    olt_sim_server: SimHandle, platform: Platform, lamp: str
) -> None:
    cert = platform.certificate(lamp)
    subprocess.run(
        [
            "mosquitto_pub",
            *mosquitto_tls(olt_sim_server, cert),
            "-t",
            "data-ingest",
            "-m",
            '{"type": "attributes", "value": {"temperature": 22.5}}',
        ],
        check=True,
        capture_output=True,
        timeout=20,
    )
    wait_for(lambda: platform.state(lamp)["attributes"] == {"temperature": 22.5}, what="mosquitto's report")


def test_the_plain_listener_takes_device_id_and_password(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], lamp: str
) -> None:
    assert devices(username=lamp, password="wrong").connect() == 5
    assert devices(username="no-such-device", password="x").connect() == 5
    assert devices().connect() == 5  # anonymous
    device = devices(username=lamp, password=olt_sim_server.mqtt_password(lamp))
    assert device.connect() == 0
    device.publish("data-ingest", {"type": "attributes", "value": {"temperature": 7}})
    wait_for(lambda: platform.state(lamp)["attributes"] == {"temperature": 7}, what="a plain-port report")
