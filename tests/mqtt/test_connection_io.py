"""The connection's reader and writer: whole frames out of any chunks; one send per loop turn, PUBACKs in order."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest
from amqtt.errors import NoDataError

from simulator.mqtt.connection import PacketReader, Writer
from simulator.testing import SimHandle
from tests.mqtt.conftest import TIMEOUT, Platform


class FakeStream:
    """The part of asyncio.StreamWriter that Writer uses, recording each send."""

    def __init__(self) -> None:
        self.sends: list[bytes] = []
        self.closed = False
        self.drained = 0

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.sends.append(data)

    async def drain(self) -> None:
        self.drained += 1

    def close(self) -> None:
        self.closed = True

    async def wait_closed(self) -> None:
        return None

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1) if name == "peername" else None


def test_writes_of_one_loop_turn_are_sent_together_and_drain_or_close_send_at_once() -> None:
    async def run() -> FakeStream:
        stream = FakeStream()
        writer = Writer(stream, None)  # type: ignore[arg-type]
        writer.write(b"\x40\x02\x00\x01")
        writer.write(b"\x40\x02\x00\x02")
        assert stream.sends == []
        await asyncio.sleep(0)
        assert stream.sends == [b"\x40\x02\x00\x01\x40\x02\x00\x02"]
        writer.write(b"\x20\x02\x00\x00")
        await writer.drain()  # amqtt's write-then-drain: sent before drain returns
        assert stream.sends[-1] == b"\x20\x02\x00\x00" and stream.drained == 1
        writer.write(b"\xd0\x00")
        await writer.close()
        assert stream.sends[-1] == b"\xd0\x00" and stream.closed
        writer.write(b"late")
        await asyncio.sleep(0)
        return stream

    assert asyncio.run(run()).sends[-1] == b"\xd0\x00"  # nothing written after close


def _string(text: str) -> bytes:
    return len(text).to_bytes(2, "big") + text.encode()


def _frame(first: int, body: bytes) -> bytes:
    assert len(body) < 128
    return bytes([first, len(body)]) + body


def test_a_burst_of_qos1_publishes_gets_every_puback_in_order(olt_sim_server: SimHandle, platform: Platform) -> None:
    lamp = platform.device(platform.device_type())
    password = olt_sim_server.mqtt_password(lamp)
    connect = _string("MQTT") + bytes([4, 0xC2, 0, 60]) + _string("burst") + _string(lamp) + _string(password)
    payload = b'{"type": "attributes", "value": {"temperature": 1}}'
    publishes = b"".join(
        _frame(0x32, _string("data-ingest") + packet_id.to_bytes(2, "big") + payload) for packet_id in range(1, 301)
    )
    expected = b"".join(b"\x40\x02" + packet_id.to_bytes(2, "big") for packet_id in range(1, 301))
    with socket.create_connection(("127.0.0.1", olt_sim_server.mqtt_port or 0), timeout=TIMEOUT) as sock:
        sock.sendall(_frame(0x10, connect))
        assert sock.recv(4) == b"\x20\x02\x00\x00"
        sock.sendall(publishes)  # one write: the broker reads many PUBLISHes per turn
        received = b""
        deadline = time.monotonic() + TIMEOUT
        while len(received) < len(expected) and time.monotonic() < deadline:
            received += sock.recv(65536)
    assert received == expected


def test_the_packet_reader_hands_out_whole_frames_however_the_bytes_arrive() -> None:
    frames = [(3, 2, b"\x00\x01t\x00\x07" + b"p" * 200), (12, 0, b""), (3, 0, b"\x00\x01t")]
    data = b"".join(bytes([kind << 4 | flags]) + _length(len(body)) + body for kind, flags, body in frames)

    async def run() -> list[tuple[int, int, bytes]]:
        reader = PacketReader()
        taken = []
        for index in range(len(data)):
            reader.feed(data[index : index + 1])
            while (frame := reader.take_frame()) is not None:
                taken.append(frame)
        reader.feed_eof()
        with pytest.raises(NoDataError):
            await reader.wait_more()
        return taken

    assert asyncio.run(run()) == frames


def _length(size: int) -> bytes:
    encoded = bytearray()
    while True:
        size, digit = size // 128, size % 128
        encoded.append(digit | (0x80 if size else 0))
        if not size:
            return bytes(encoded)
