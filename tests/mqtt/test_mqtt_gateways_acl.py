"""Gateways report and receive for the devices they connect; the ACL keeps every session to its
own device's ingest and downlink topics (and those of its connected devices)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from simulator.testing import SimHandle
from tests.mqtt.conftest import Device, Platform, wait_for


@pytest.fixture
def type_id(platform: Platform) -> str:
    return platform.device_type()


@pytest.fixture
def gateway(platform: Platform, type_id: str) -> str:
    return platform.device(type_id, "gateway")


@pytest.fixture
def bulb(platform: Platform, type_id: str, gateway: str) -> str:
    return platform.device(type_id, "bulb", connectedBy=gateway, aliases=["00:17:88:01:02:03:04:05-0b"])


@pytest.fixture
def gateway_client(platform: Platform, devices: Callable[..., Device], gateway: str) -> Device:
    client = devices(platform.certificate(gateway))
    assert client.connect() == 0
    return client


@pytest.mark.parametrize("name_it_by", ["id", "alias"])
def test_a_gateway_reports_for_its_devices_by_id_or_alias(
    platform: Platform, gateway_client: Device, gateway: str, bulb: str, name_it_by: str
) -> None:
    target = bulb if name_it_by == "id" else "00:17:88:01:02:03:04:05-0b"
    gateway_client.publish("data-ingest", {"type": "attributes", "value": {"temperature": 30}, "deviceId": target})
    wait_for(lambda: platform.state(bulb)["attributes"] == {"temperature": 30}, what="the bulb's state")
    assert [p["value"] for p in platform.timeseries(bulb)] == [30]
    assert platform.state(gateway)["attributes"] == {}
    gateway_client.publish("event-ingest", {"type": "overheated", "value": {"temperature": 90}, "deviceId": target})
    wait_for(lambda: platform.api.get(f"/devices/{bulb}/last-events").json()["data"], what="the bulb's event")


def test_a_gateway_receives_its_devices_downlink_with_aliases(
    platform: Platform, gateway_client: Device, bulb: str
) -> None:
    assert gateway_client.subscribe(f"devices/{bulb}/configuration") == [1]
    assert gateway_client.subscribe(f"devices/{bulb}/actions") == [1]
    platform.api.patch(f"/devices/{bulb}", json={"configuration": {"brightness": 10}})
    topic, message, _ = gateway_client.next_message()
    assert topic == f"devices/{bulb}/configuration"
    assert message == {"deviceId": bulb, "aliases": ["00:17:88:01:02:03:04:05-0b"], "configuration": {"brightness": 10}}
    platform.api.post(f"/devices/{bulb}/actions", json={"action": "blink", "payload": {"times": 2}})
    topic, message, _ = gateway_client.next_message()
    assert topic == f"devices/{bulb}/actions" and message["payload"] == {"times": 2}


def test_a_gateway_stops_receiving_for_a_device_it_no_longer_connects(
    olt_sim_server: SimHandle, platform: Platform, gateway_client: Device, bulb: str
) -> None:
    assert gateway_client.subscribe(f"devices/{bulb}/configuration") == [1]
    assert platform.api.patch(f"/devices/{bulb}", json={"info": {"connectedBy": None}}).status_code == 200
    platform.api.patch(f"/devices/{bulb}", json={"configuration": {"brightness": 10}})
    assert olt_sim_server.mqtt_messages()[-1]["outcome"] == "no subscriber"
    assert gateway_client.messages.empty()


def test_a_gateway_cannot_report_for_devices_it_does_not_connect(
    platform: Platform, gateway_client: Device, type_id: str
) -> None:
    stranger = platform.device(type_id, "stranger")
    gateway_client.publish("data-ingest", {"type": "attributes", "value": {"temperature": 1}, "deviceId": stranger})
    wait_for(lambda: platform.diagnostics(stranger), what="a diagnostics entry")
    assert platform.state(stranger)["attributes"] == {}
    assert not gateway_client.disconnected.is_set()


@pytest.mark.parametrize(
    "topic",
    [
        "devices/{other}/configuration",
        "devices/{other}/#",
        "devices/+/configuration",
        "#",
        "data-ingest",
        "devices/{own}/state",
        "$SYS/#",
    ],
)
def test_subscriptions_beyond_own_devices_are_refused(
    platform: Platform, devices: Callable[..., Device], type_id: str, topic: str
) -> None:
    own, other = platform.device(type_id, "own"), platform.device(type_id, "other")
    client = devices(platform.certificate(own))
    assert client.connect() == 0
    assert client.subscribe(topic.format(own=own, other=other)) == [0x80]
    assert client.subscribe(f"devices/{own}/configuration") == [1]  # the session is still fine


def test_other_tenants_cannot_reach_our_devices(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], type_id: str
) -> None:
    ours = platform.device(type_id, "ours")
    owner = olt_sim_server.world.owner_user_id
    other = olt_sim_server.call(lambda: olt_sim_server.sim.tenants.create_tenant("Other", owner))
    theirs_platform = Platform(olt_sim_server, platform.directory)
    theirs_platform.api = olt_sim_server.client(olt_sim_server.token(tenant=other.id))
    theirs_platform._count = 100
    theirs = theirs_platform.device(theirs_platform.device_type(), "theirs")
    client = devices(theirs_platform.certificate(theirs))
    assert client.connect() == 0
    assert client.subscribe(f"devices/{ours}/configuration") == [0x80]
    client.publish("data-ingest", {"type": "attributes", "value": {"temperature": 1}, "deviceId": ours})
    wait_for(lambda: theirs_platform.diagnostics(theirs), what="a diagnostics entry for the sender")
    assert platform.state(ours)["attributes"] == {}


def test_publishing_elsewhere_is_not_relayed_and_leaves_a_diagnostics_entry(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], type_id: str
) -> None:
    victim, attacker = platform.device(type_id, "victim"), platform.device(type_id, "attacker")
    listener = devices(platform.certificate(victim))
    assert listener.connect() == 0 and listener.subscribe(f"devices/{victim}/configuration") == [1]
    client = devices(platform.certificate(attacker))
    assert client.connect() == 0
    client.publish(f"devices/{victim}/configuration", {"deviceId": victim, "configuration": {"brightness": 0}})
    entries = wait_for(lambda: platform.diagnostics(attacker), what="a diagnostics entry")
    assert entries[0]["code"] == "FORBIDDEN_TOPIC"
    assert olt_sim_server.mqtt_messages()[-1]["outcome"] == "forbidden"
    platform.api.patch(f"/devices/{victim}", json={"configuration": {"brightness": 5}})
    _, message, _ = listener.next_message()  # a relayed message would have come first
    assert message["configuration"] == {"brightness": 5}
    assert not client.disconnected.is_set()
