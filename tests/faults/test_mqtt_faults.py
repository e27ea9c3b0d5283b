"""MQTT faults seen by real clients (paho, and raw CONNECT bytes for the CONNACK codes)."""

from __future__ import annotations

import json
import queue
import socket
import struct
import subprocess
from collections.abc import Callable
from typing import Any

import pytest

from simulator.testing import SimHandle
from tests.faults.test_http_faults import add_fault
from tests.mqtt.conftest import Device, Platform, wait_for

QUIET = 0.5  # seconds a message that must not come is waited for


@pytest.fixture
def lamp(platform: Platform) -> str:
    return platform.device(platform.device_type())


@pytest.fixture
def connect(olt_sim_server: SimHandle, devices: Callable[..., Device]) -> Callable[[str], Device]:
    """A connected paho client of a device, by password on the plain port."""

    def make(device_id: str) -> Device:
        client = devices(username=device_id, password=olt_sim_server.mqtt_password(device_id), client_id="c1")
        assert client.connect() == 0
        return client

    return make


def report(device: Device, value: float, time: str | None = None) -> None:
    message: dict[str, Any] = {"type": "attributes", "value": {"temperature": value}}
    if time:
        message["time"] = time
    device.publish("data-ingest", message)


def uplinks(sim: SimHandle) -> list[tuple[Any, ...]]:
    return [
        (m["payload"], m["outcome"], m.get("fault", {}).get("effect"))
        for m in sim.mqtt_messages()
        if m["direction"] == "uplink"
    ]


def raw_connack(port: int, username: str, password: str) -> int:
    """Send a bare MQTT 3.1.1 CONNECT and return the CONNACK's return code, as on the wire."""

    def field(text: str) -> bytes:
        return struct.pack("!H", len(text)) + text.encode()

    body = field("MQTT") + bytes((4, 0xC2)) + struct.pack("!H", 30) + field("raw") + field(username) + field(password)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(bytes((0x10, len(body))) + body)
        answer = sock.recv(4)
    assert answer[:3] == b"\x20\x02\x00", answer
    return answer[3]


def test_a_dropped_uplink_is_not_stored_and_the_journal_says_so(
    olt_sim_server: SimHandle, platform: Platform, connect: Callable[[str], Device], lamp: str
) -> None:
    rule = add_fault(
        olt_sim_server,
        {
            "match": {"direction": "uplink", "topic": "data-ingest", "device": lamp},
            "effect": {"drop": True},
            "count": 1,
        },
    )
    device = connect(lamp)
    report(device, 1.0)
    report(device, 2.0)
    wait_for(lambda: platform.timeseries(lamp), what="the second report")
    assert [p["value"] for p in platform.timeseries(lamp)] == [2.0]
    assert platform.state(lamp)["attributes"] == {"temperature": 2.0}
    assert [(o, f) for _, o, f in uplinks(olt_sim_server)] == [("dropped", "drop"), ("accepted", None)]
    assert olt_sim_server.mqtt_messages()[0]["fault"]["rule"] == rule["id"]


def test_a_duplicated_uplink_is_ingested_twice_and_the_twin_holds_it_once(
    olt_sim_server: SimHandle, platform: Platform, connect: Callable[[str], Device], lamp: str
) -> None:
    add_fault(olt_sim_server, {"match": {"direction": "uplink"}, "effect": {"duplicate": True}})
    report(connect(lamp), 3.0, "2026-01-01T00:00:00Z")
    points = wait_for(lambda: len(platform.timeseries(lamp)) == 2 and platform.timeseries(lamp), what="two points")
    assert [(p["time"], p["value"]) for p in points] == [("2026-01-01T00:00:00.000Z", 3.0)] * 2
    assert platform.state(lamp)["attributes"] == {"temperature": 3.0}
    assert [(o, f) for _, o, f in uplinks(olt_sim_server)] == [("accepted", None), ("accepted", "duplicate")]


def test_a_delayed_uplink_arrives_when_simulated_time_has_passed(
    olt_sim_server: SimHandle, platform: Platform, connect: Callable[[str], Device], lamp: str
) -> None:
    add_fault(olt_sim_server, {"match": {"direction": "uplink"}, "effect": {"delay": "30s"}})
    report(connect(lamp), 4.0)
    wait_for(lambda: uplinks(olt_sim_server), what="the journal entry")
    assert platform.timeseries(lamp) == [] and uplinks(olt_sim_server)[0][1:] == ("delayed", "delay")
    olt_sim_server.advance(30)
    assert [p["value"] for p in wait_for(lambda: platform.timeseries(lamp), what="the delayed report")] == [4.0]


def test_a_reordered_uplink_is_processed_after_its_successor(
    olt_sim_server: SimHandle, platform: Platform, connect: Callable[[str], Device], lamp: str
) -> None:
    add_fault(olt_sim_server, {"match": {"direction": "uplink"}, "effect": {"reorder": True}, "count": 1})
    device = connect(lamp)
    report(device, 5.0)
    report(device, 6.0)
    wait_for(lambda: len(uplinks(olt_sim_server)) == 3, what="held, then both processed")
    assert [(json.loads(p)["value"]["temperature"], o) for p, o, _ in uplinks(olt_sim_server)] == [
        (5.0, "held"),
        (6.0, "accepted"),
        (5.0, "accepted"),
    ]
    assert platform.state(lamp)["attributes"] == {"temperature": 5.0}  # the older value came last


def test_an_uplink_disconnect_closes_the_session_and_loses_the_message(
    olt_sim_server: SimHandle, platform: Platform, connect: Callable[[str], Device], lamp: str
) -> None:
    add_fault(olt_sim_server, {"match": {"direction": "uplink"}, "effect": {"disconnect": True}, "count": 1})
    device = connect(lamp)
    report(device, 7.0)
    assert device.disconnected.wait(10)
    assert platform.timeseries(lamp) == []
    again = connect(lamp)  # resubscribe-after-disconnect: a new session works
    report(again, 8.0)
    assert [p["value"] for p in wait_for(lambda: platform.timeseries(lamp), what="the report")] == [8.0]


def patch_brightness(platform: Platform, device_id: str, value: int) -> None:
    response = platform.api.patch(f"/devices/{device_id}", json={"configuration": {"brightness": value}})
    assert response.status_code == 200, response.text


def brightness(device: Device, timeout: float = 10) -> int:
    return int(device.next_message(timeout)[1]["configuration"]["brightness"])


def test_downlink_drop_duplicate_and_reorder(
    olt_sim_server: SimHandle, platform: Platform, connect: Callable[[str], Device], lamp: str
) -> None:
    device = connect(lamp)
    assert device.subscribe(f"devices/{lamp}/+") == [1]
    with olt_sim_server.fault(
        match={"direction": "downlink", "topic": "devices/+/configuration"}, effect={"drop": True}
    ):
        patch_brightness(platform, lamp, 10)
        with pytest.raises(queue.Empty):
            device.next_message(QUIET)
    with olt_sim_server.fault(match={"direction": "downlink"}, effect={"duplicate": True}):
        patch_brightness(platform, lamp, 20)
        assert [brightness(device), brightness(device)] == [20, 20]
    with olt_sim_server.fault(match={"direction": "downlink", "device": lamp}, effect={"reorder": True}, count=1):
        patch_brightness(platform, lamp, 30)
        patch_brightness(platform, lamp, 40)
        assert [brightness(device), brightness(device)] == [40, 30]
    outcomes = [(m["outcome"], m.get("fault", {}).get("effect")) for m in olt_sim_server.mqtt_messages()]
    assert outcomes == [
        ("dropped", "drop"),
        ("sent", None),
        ("sent", "duplicate"),
        ("held", "reorder"),
        ("sent", None),
        ("sent", "reorder"),
    ]


def test_a_delayed_downlink_waits_for_the_clock(
    olt_sim_server: SimHandle, platform: Platform, connect: Callable[[str], Device], lamp: str
) -> None:
    device = connect(lamp)
    device.subscribe(f"devices/{lamp}/configuration")
    add_fault(olt_sim_server, {"match": {"direction": "downlink"}, "effect": {"delay": "1m"}})
    patch_brightness(platform, lamp, 50)
    with pytest.raises(queue.Empty):
        device.next_message(QUIET)
    olt_sim_server.advance(60)
    assert brightness(device) == 50


def test_a_downlink_disconnect_drops_the_session(
    olt_sim_server: SimHandle, platform: Platform, connect: Callable[[str], Device], lamp: str
) -> None:
    device = connect(lamp)
    device.subscribe(f"devices/{lamp}/actions")
    add_fault(
        olt_sim_server,
        {"match": {"direction": "downlink", "topic": "devices/+/actions"}, "effect": {"disconnect": True}},
    )
    response = platform.api.post(f"/devices/{lamp}/actions", json={"action": "blink", "payload": {"times": 1}})
    assert response.status_code == 202
    assert device.disconnected.wait(10)


@pytest.mark.parametrize("code", [1, 2, 3, 4, 5])
def test_refuse_connect_answers_the_chosen_connack_code(olt_sim_server: SimHandle, lamp: str, code: int) -> None:
    rule = add_fault(olt_sim_server, {"match": {"device": lamp}, "effect": {"refuseConnect": code}, "count": 1})
    port, password = olt_sim_server.mqtt_port, olt_sim_server.mqtt_password(lamp)
    assert port
    assert raw_connack(port, lamp, password) == code
    assert raw_connack(port, lamp, password) == 0  # count 1: the next attempt is let in
    entry = olt_sim_server.mqtt_messages()[0]
    assert (entry["direction"], entry["outcome"], entry["fault"]["rule"]) == (
        "connect",
        f"refused ({code})",
        rule["id"],
    )


def test_an_outage_drops_sessions_refuses_connects_and_ends_with_its_window(
    olt_sim_server: SimHandle, platform: Platform, connect: Callable[[str], Device], lamp: str
) -> None:
    device = connect(lamp)
    port, password = olt_sim_server.mqtt_port, olt_sim_server.mqtt_password(lamp)
    assert port
    add_fault(olt_sim_server, {"match": {}, "effect": {"outage": True}, "after": "1m", "for": "5m"})
    assert not device.disconnected.wait(QUIET)
    olt_sim_server.advance(60)
    assert device.disconnected.wait(10)
    assert raw_connack(port, lamp, password) == 3  # server unavailable
    olt_sim_server.advance(300)
    again = connect(lamp)
    report(again, 9.0)
    assert [p["value"] for p in wait_for(lambda: platform.timeseries(lamp), what="a report")] == [9.0]


def test_mosquitto_pub_sees_the_outage_as_broker_unavailable(olt_sim_server: SimHandle, lamp: str) -> None:
    add_fault(olt_sim_server, {"match": {"device": lamp}, "effect": {"outage": True}, "for": "1m"})
    command = [
        "mosquitto_pub",
        "-h",
        "127.0.0.1",
        "-p",
        str(olt_sim_server.mqtt_port),
        "-V",
        "mqttv311",
        "-u",
        lamp,
        "-P",
        olt_sim_server.mqtt_password(lamp),
        "-q",
        "1",
        "-t",
        "data-ingest",
        "-m",
        json.dumps({"type": "attributes", "value": {"temperature": 1}}),
    ]
    refused = subprocess.run(command, capture_output=True, text=True, timeout=30)
    assert refused.returncode != 0 and "broker unavailable" in refused.stderr
    olt_sim_server.advance(60)
    assert subprocess.run(command, capture_output=True, text=True, timeout=30).returncode == 0
    wait_for(lambda: len(olt_sim_server.mqtt_messages()) == 2, what="the accepted publish journaled")  # after PUBACK
    assert [m["outcome"] for m in olt_sim_server.mqtt_messages()] == ["refused (3)", "accepted"]
