"""Downlink over real MQTT: configuration changes, actions (single and bulk) and firmware
installations arrive on `devices/<id>/...` with the payloads of the AsyncAPI contract, QoS 1."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from contracts import spec
from simulator.testing import SimHandle
from tests.mqtt.conftest import Device, Platform, mosquitto_tls, wait_for


def conforms(schema_name: str, message: dict[str, Any]) -> None:
    validator = spec.validator(f"/components/schemas/{schema_name}", "asyncapi")
    assert not [e.message for e in validator.iter_errors(message)], message


@pytest.fixture
def type_id(platform: Platform) -> str:
    return platform.device_type()


@pytest.fixture
def lamp(platform: Platform, type_id: str) -> str:
    return platform.device(type_id, aliases=["hue-1"])


@pytest.fixture
def subscribed(platform: Platform, devices: Callable[..., Device], lamp: str) -> Device:
    client = devices(platform.certificate(lamp))
    assert client.connect() == 0
    assert client.subscribe(f"devices/{lamp}/+", qos=1) == [1]
    return client


def test_a_configuration_patch_is_published_in_full(platform: Platform, subscribed: Device, lamp: str) -> None:
    response = platform.api.patch(f"/devices/{lamp}", json={"configuration": {"brightness": 30}})
    assert response.status_code == 200, response.text
    topic, message, qos = subscribed.next_message()
    assert (topic, qos) == (f"devices/{lamp}/configuration", 1)
    assert message == {"deviceId": lamp, "aliases": ["hue-1"], "configuration": {"brightness": 30}}
    conforms("DeviceConfigurationMessage", message)


def test_an_action_is_published(platform: Platform, subscribed: Device, lamp: str) -> None:
    response = platform.api.post(f"/devices/{lamp}/actions", json={"action": "blink", "payload": {"times": 3}})
    assert response.status_code == 202, response.text
    topic, message, qos = subscribed.next_message()
    assert (topic, qos) == (f"devices/{lamp}/actions", 1)
    assert message["action"] == "blink" and message["payload"] == {"times": 3} and message["deviceId"] == lamp
    assert message["aliases"] == ["hue-1"]
    conforms("DeviceActionMessage", message)


def test_a_bulk_action_reaches_every_matching_device(
    platform: Platform, devices: Callable[..., Device], subscribed: Device, lamp: str, type_id: str
) -> None:
    other = platform.device(type_id, "other lamp")
    other_client = devices(platform.certificate(other))
    assert other_client.connect() == 0
    assert other_client.subscribe(f"devices/{other}/actions") == [1]
    body = {"action": "blink", "payload": {"times": 1}, "deviceFilter": {"deviceTypeId": [type_id]}}
    response = platform.api.post("/devices/actions", json=body)
    assert response.status_code == 202, response.text
    for client, device_id in ((subscribed, lamp), (other_client, other)):
        topic, message, _ = client.next_message()
        assert topic == f"devices/{device_id}/actions" and message["deviceId"] == device_id


def test_firmware_installation_instructions_are_published(platform: Platform, devices: Callable[..., Device]) -> None:
    api = platform.api
    schema = {"attributes": {"on": {"type": "boolean"}}}
    response = api.post("/device-types", json={"name": "Switch", "schema": schema, "slots": {"main": {"name": "Main"}}})
    assert response.status_code == 201, response.text
    type_id = response.json()["data"]["id"]
    device_id = platform.device(type_id, "switch")
    firmware = api.post("/firmwares", json={"name": "fw", "version": "1.2.3"}).json()["data"]
    blob = api.put(
        f"/firmwares/{firmware['id']}/blob", content=b"\x7fELF", headers={"Content-Type": "application/octet-stream"}
    )
    assert blob.status_code == 200, blob.text
    linked = api.post(f"/device-types/{type_id}/slots/main/firmwares", json={"firmwareId": firmware["id"]})
    assert linked.status_code in (200, 201), linked.text
    client = devices(platform.certificate(device_id))
    assert client.connect() == 0
    assert client.subscribe(f"devices/{device_id}/firmware-installations") == [1]
    response = api.post(
        f"/devices/{device_id}/firmware-installations", json={"firmwareId": firmware["id"], "slot": "main"}
    )
    assert response.status_code in (201, 202), response.text
    topic, message, qos = client.next_message()
    assert (topic, qos) == (f"devices/{device_id}/firmware-installations", 1)
    assert message["installationId"] == response.json()["data"]["id"] and message["version"] == "1.2.3"
    conforms("FirmwareInstallationMessage", message)


def test_qos_2_subscriptions_are_granted_qos_1_and_qos_0_stays_0(
    platform: Platform, devices: Callable[..., Device], lamp: str
) -> None:
    client = devices(platform.certificate(lamp))
    assert client.connect() == 0
    assert client.subscribe(f"devices/{lamp}/configuration", qos=2) == [1]
    assert client.subscribe(f"devices/{lamp}/actions", qos=0) == [0]
    platform.api.post(f"/devices/{lamp}/actions", json={"action": "blink", "payload": {}})
    assert client.next_message()[2] == 0


def test_downlink_without_a_subscriber_is_journaled(olt_sim_server: SimHandle, platform: Platform, lamp: str) -> None:
    platform.api.patch(f"/devices/{lamp}", json={"configuration": {"brightness": 1}})
    journal = olt_sim_server.mqtt_messages()
    assert [(m["direction"], m["clientId"], m["deviceId"], m["outcome"]) for m in journal] == [
        ("downlink", None, lamp, "no subscriber")
    ]
    assert json.loads(journal[0]["payload"])["configuration"] == {"brightness": 1}


def test_mosquitto_sub_receives_the_configuration(olt_sim_server: SimHandle, platform: Platform, lamp: str) -> None:
    cert = platform.certificate(lamp)
    subscriber = subprocess.Popen(
        [
            "mosquitto_sub",
            *mosquitto_tls(olt_sim_server, cert),
            "-t",
            f"devices/{lamp}/configuration",
            "-C",
            "1",
            "-W",
            "20",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_for(
            lambda: any(m["outcome"] == "sent" for m in _patch_and_journal(olt_sim_server, platform, lamp)),
            what="mosquitto_sub's subscription",
        )
        out, err = subscriber.communicate(timeout=20)
    finally:
        subscriber.kill()
    assert subscriber.returncode == 0, err
    assert json.loads(out.splitlines()[0])["configuration"]["brightness"] >= 0


def _patch_and_journal(sim: SimHandle, platform: Platform, lamp: str) -> list[dict[str, Any]]:
    """Change the configuration until a delivery shows up (the subscriber starts asynchronously)."""
    brightness = len(sim.mqtt_messages())
    platform.api.patch(f"/devices/{lamp}", json={"configuration": {"brightness": brightness % 100}})
    return sim.mqtt_messages()


def test_a_configuration_change_that_travels_over_mqtt_is_audited_once(
    platform: Platform, subscribed: Device, lamp: str
) -> None:
    """The MQTT surface of a configuration change: the desired configuration goes down to the device, which
    reports it back up. The audit log holds the change once: a device's report is telemetry, not a caller's
    action (facts I.28: the log records what users do), so the round trip adds no entry."""
    response = platform.api.patch(f"/devices/{lamp}", json={"configuration": {"brightness": 30}})
    assert response.status_code == 200, response.text
    assert subscribed.next_message()[0] == f"devices/{lamp}/configuration"
    subscribed.publish("data-ingest", {"type": "configuration", "value": {"brightness": 30}})
    wait_for(lambda: platform.state(lamp)["configuration"] == {"brightness": 30}, what="the reported configuration")
    entries = platform.api.get("/audit-logs", params={"pageSize": 100}).json()["data"]
    about_lamp = [e["action"] for e in entries if e["resourceId"] == lamp]
    assert about_lamp == ["device.updated", "device.created"]
    assert not [e for e in entries if e["action"].endswith("ingested")]
