"""The broker's fast ingest path: ingest PUBLISHes skip amqtt's tasks, everything else still works."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from simulator.mqtt.broker import service_of
from simulator.mqtt.ingest_path import FrameTooLarge, IngestHandler, _read_frame
from simulator.testing import SimHandle
from tests.mqtt.conftest import Device, Platform, wait_for


def fast_count(sim: SimHandle, username: str) -> int:
    """Fast-path messages of `username`'s sessions only: sessions of earlier tests may still be
    closing, and counting theirs made the difference depend on when they went away."""

    def count() -> int:
        service = service_of(sim.sim)
        assert service is not None and service.broker is not None
        return sum(
            h.fast_messages
            for s, h in service.broker.sessions.values()
            if isinstance(h, IngestHandler) and s.username == username
        )

    return int(sim.call(count))


@pytest.mark.parametrize("qos", [0, 1])
def test_ingest_publishes_take_the_fast_path_in_order(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], qos: int
) -> None:
    lamp = platform.device(platform.device_type())
    device = devices(username=lamp, password=olt_sim_server.mqtt_password(lamp))
    assert device.connect() == 0
    before = fast_count(olt_sim_server, lamp)
    for value in range(20):
        device.publish("data-ingest", {"type": "attributes", "value": {"temperature": value}}, qos=qos)
    points = wait_for(lambda: len(platform.timeseries(lamp)) == 20 and platform.timeseries(lamp), what="20 points")
    assert sorted(p["value"] for p in points) == list(range(20))
    assert platform.state(lamp)["attributes"]["temperature"] == 19  # handled in the order sent
    assert fast_count(olt_sim_server, lamp) - before == 20


def test_a_large_payload_with_a_multi_byte_length_is_decoded(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device]
) -> None:
    lamp = platform.device(platform.device_type())
    device = devices(username=lamp, password=olt_sim_server.mqtt_password(lamp))
    assert device.connect() == 0
    label = "x" * 20_000  # remaining length takes three bytes
    device.publish("data-ingest", {"type": "attributes", "value": {"label": label}})
    wait_for(lambda: platform.state(lamp)["attributes"].get("label") == label, what="the long label")


def test_other_topics_and_subscriptions_still_go_through_amqtt(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device]
) -> None:
    lamp = platform.device(platform.device_type())
    device = devices(username=lamp, password=olt_sim_server.mqtt_password(lamp))
    assert device.connect() == 0
    assert device.subscribe(f"devices/{lamp}/configuration") == [1]
    before = fast_count(olt_sim_server, lamp)
    device.publish("somewhere/else", {"type": "attributes", "value": {}})
    codes = wait_for(lambda: [d["code"] for d in platform.diagnostics(lamp)], what="a diagnostics entry")
    assert "FORBIDDEN_TOPIC" in codes
    assert fast_count(olt_sim_server, lamp) == before
    response = platform.api.patch(f"/devices/{lamp}", json={"configuration": {"brightness": 7}})
    assert response.status_code == 200, response.text
    topic, body, _qos = device.next_message()
    assert topic == f"devices/{lamp}/configuration" and body["configuration"] == {"brightness": 7}


def frames(data: bytes) -> asyncio.StreamReader:
    reader = asyncio.StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    return reader


def test_frames_are_cut_by_their_remaining_length() -> None:
    async def run() -> list[tuple[int, int, bytes]]:
        reader = frames(bytes([0x32, 3]) + b"abc" + bytes([0xC0, 0]) + bytes([0x30, 0x80, 0x01]) + b"y" * 128)
        return [await _read_frame(reader.readexactly) for _ in range(3)]

    assert asyncio.run(run()) == [(3, 2, b"abc"), (12, 0, b""), (3, 0, b"y" * 128)]


@pytest.mark.parametrize(
    "data",
    [
        bytes([0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),  # five length bytes
        bytes([0x30, 0x81, 0x80, 0x10]),  # 256 KiB + 1
        bytes([0x30, 5, 1]),  # cut short
        bytes([0x30]),
    ],
)
def test_a_malformed_or_cut_frame_ends_the_read(data: bytes) -> None:
    async def run() -> None:
        await _read_frame(frames(data).readexactly)

    with pytest.raises((FrameTooLarge, asyncio.IncompleteReadError)):
        asyncio.run(run())
