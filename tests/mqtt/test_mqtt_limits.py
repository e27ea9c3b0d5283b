"""Connection and payload limits of the broker: packet size, CONNECT deadline, bounded diagnostics."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.mqtt import limits
from simulator.mqtt.limits import FrameGuard, Oversized, ProtocolViolation
from simulator.services.events.models import DIAGNOSTIC_EXCERPT
from simulator.testing import SimHandle
from tests.mqtt.conftest import TIMEOUT, Device, Platform, wait_for

MAX = 64
CONNECT = b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01x"


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _publish(topic: bytes, body_size: int) -> bytes:
    body = len(topic).to_bytes(2, "big") + topic + b"x" * body_size
    return b"\x30" + _varint(len(body)) + body


PACKETS = st.lists(st.tuples(st.sampled_from([b"data-ingest", b"t" * 300, b""]), st.integers(0, 3 * MAX)), max_size=8)


@given(packets=PACKETS, cuts=st.lists(st.integers(1, 50), max_size=40))
def test_the_guard_passes_small_packets_and_skips_large_ones_however_the_bytes_arrive(
    packets: list[tuple[bytes, int]], cuts: list[int]
) -> None:
    frames = [_publish(topic, size) for topic, size in packets]
    stream = CONNECT + b"".join(frames)
    guard, passed, events = FrameGuard(MAX), bytearray(), []
    position = 0
    for cut in [*cuts, len(stream)]:
        out, found = guard.feed(stream[position : position + cut])
        passed += out
        events += found
        position += cut
        if position >= len(stream):
            break
    expected_small = [f for f, (topic, size) in zip(frames, packets, strict=True) if 2 + len(topic) + size <= MAX]
    assert bytes(passed) == CONNECT + b"".join(expected_small)
    expected_events = [
        Oversized(3, 2 + len(topic) + size, topic[:256].decode())
        for topic, size in packets
        if 2 + len(topic) + size > MAX
    ]
    assert events == expected_events
    assert guard.packets == 1 + len(expected_small)


def test_an_oversized_first_packet_or_a_broken_length_closes_the_connection() -> None:
    with pytest.raises(ProtocolViolation):
        FrameGuard(MAX).feed(b"\x10" + _varint(MAX + 1))
    with pytest.raises(ProtocolViolation):
        FrameGuard(MAX).feed(CONNECT + b"\x30\xff\xff\xff\xff\x01")


@pytest.fixture
def type_id(platform: Platform) -> str:
    return platform.device_type()


def test_an_oversized_publish_is_one_diagnostic_and_never_stored(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], type_id: str
) -> None:
    device_id = platform.device(type_id)
    client = devices(platform.certificate(device_id))
    assert client.connect() == 0
    huge = '{"type": "attributes", "value": {"label": "' + "x" * limits.MAX_PACKET_BYTES + '"}}'
    client.client.publish("data-ingest", huge, qos=0)
    client.publish("data-ingest", {"type": "attributes", "value": {"temperature": 21.5}})  # the session lives on
    wait_for(lambda: platform.state(device_id)["attributes"] == {"temperature": 21.5}, what="the small report")
    entries = wait_for(lambda: platform.diagnostics(device_id), what="the diagnostics entry")
    assert [e["code"] for e in entries] == ["PAYLOAD_TOO_LARGE"]
    assert "data-ingest" in entries[0]["message"] and len(str(entries[0]["payload"])) <= DIAGNOSTIC_EXCERPT + 1


def test_diagnostics_echo_only_an_excerpt_of_a_bad_payload(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], type_id: str
) -> None:
    device_id = platform.device(type_id)
    client = devices(platform.certificate(device_id))
    assert client.connect() == 0
    client.publish("data-ingest", '{"type": "attributes", "value": {"temperature": "' + "y" * 100_000 + '"}}')
    entries = wait_for(lambda: platform.diagnostics(device_id), what="the diagnostics entry")
    assert all(len(str(e["payload"])) <= DIAGNOSTIC_EXCERPT + 1 for e in entries)
    assert all(len(e["message"]) <= DIAGNOSTIC_EXCERPT + 1 for e in entries)


@pytest.mark.parametrize("listener", ["plain", "tls"])
def test_a_connection_that_never_sends_connect_is_closed(
    olt_sim_server: SimHandle, monkeypatch: pytest.MonkeyPatch, listener: str
) -> None:
    monkeypatch.setattr(limits, "CONNECT_TIMEOUT", 0.5)
    port = olt_sim_server.mqtt_port if listener == "plain" else olt_sim_server.mqtts_port
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port or 0), timeout=TIMEOUT) as idle:
        if listener == "plain":
            idle.sendall(b"\x10")  # a header byte, then silence
        assert idle.recv(1) == b""  # closed by the server, not by our timeout
    assert time.monotonic() - started < TIMEOUT


def test_the_deadline_spares_a_connected_client(
    olt_sim_server: SimHandle,
    monkeypatch: pytest.MonkeyPatch,
    platform: Platform,
    devices: Callable[..., Device],
    type_id: str,
    tmp_path: Path,
) -> None:
    monkeypatch.setattr(limits, "CONNECT_TIMEOUT", 0.3)
    device_id = platform.device(type_id)
    client = devices(platform.certificate(device_id))
    assert client.connect() == 0
    time.sleep(0.6)
    client.publish("data-ingest", {"type": "attributes", "value": {"temperature": 5}})
    wait_for(lambda: platform.state(device_id)["attributes"] == {"temperature": 5}, what="a report after the deadline")
