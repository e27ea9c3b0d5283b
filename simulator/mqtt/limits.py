"""Limits the broker enforces before amqtt sees a byte (sans-IO: bytes in, bytes and events out).

amqtt reads whatever length a packet header announces and keeps connections that never speak,
so every connection's bytes go through a `FrameGuard` first:

- **Maximum packet size** `MAX_PACKET_BYTES` (256 KiB, the default of facts section I where the
  platform's documents are silent): a larger packet is skipped as it streams in (never buffered,
  never stored or relayed) and reported once as an `Oversized` event, with the PUBLISH topic when
  there is one; the bridge turns it into one diagnostics entry of the device. An oversized CONNECT
  closes the connection.
- **CONNECT deadline** `CONNECT_TIMEOUT` seconds: the connection (TLS handshake included) must
  have delivered a whole first packet by then, or it is closed (connection.py keeps the clock).
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_PACKET_BYTES = 256 * 1024
CONNECT_TIMEOUT = 5.0
TOPIC_EXCERPT = 2 + 256  # topic length field + up to 256 bytes of topic, kept from a skipped PUBLISH
PUBLISH, CONNECT = 3, 1


class ProtocolViolation(Exception):
    """Bytes that are not MQTT framing, or an oversized CONNECT: the connection is closed."""


@dataclass(frozen=True)
class Oversized:
    packet_type: int
    size: int  # the remaining length the header announced
    topic: str | None  # of a PUBLISH, bounded to 256 bytes


class FrameGuard:
    """Follows MQTT's fixed-header framing across arbitrary chunks of the byte stream."""

    def __init__(self, max_packet: int = MAX_PACKET_BYTES) -> None:
        self.max_packet = max_packet
        self.packets = 0  # complete packets let through (the first is CONNECT)
        self._header = bytearray()
        self._left = 0  # bytes of the current packet body still to come
        self._skipping: Oversized | None = None
        self._excerpt = bytearray()

    def feed(self, data: bytes) -> tuple[bytes, list[Oversized]]:
        """The bytes to pass on, and the oversized packets that finished being skipped."""
        out = bytearray()
        events: list[Oversized] = []
        view = memoryview(data)
        while view:
            if self._left:
                take = min(self._left, len(view))
                chunk, view = view[:take], view[take:]
                self._left -= take
                if self._skipping is None:
                    out += chunk
                elif len(self._excerpt) < TOPIC_EXCERPT:
                    self._excerpt += chunk[: TOPIC_EXCERPT - len(self._excerpt)]
                if not self._left:
                    self._finish(events)
                continue
            self._header.append(view[0])
            view = view[1:]
            length = self._remaining_length()
            if length is None:
                continue
            packet_type = self._header[0] >> 4
            if length > self.max_packet:
                if packet_type == CONNECT or self.packets == 0:
                    raise ProtocolViolation(f"a first packet of {length} bytes exceeds {self.max_packet}")
                self._skipping = Oversized(packet_type, length, None)
            else:
                out += self._header
            self._header.clear()
            self._left = length
            if not length:
                self._finish(events)
        return bytes(out), events

    def _remaining_length(self) -> int | None:
        """The varint after the first header byte, once complete (MQTT 3.1.1 section 2.2.3)."""
        value, multiplier = 0, 1
        for byte in self._header[1:]:
            value += (byte & 0x7F) * multiplier
            if not byte & 0x80:
                return value
            multiplier *= 128
        if len(self._header) > 4 and self._header[-1] & 0x80:
            raise ProtocolViolation("malformed remaining length")
        return None

    def _finish(self, events: list[Oversized]) -> None:
        skipped = self._skipping
        if skipped is None:
            self.packets += 1
            return
        topic = None
        if skipped.packet_type == PUBLISH and len(self._excerpt) >= 2:
            size = int.from_bytes(self._excerpt[:2], "big")
            topic = bytes(self._excerpt[2 : 2 + size]).decode("utf-8", "replace")
        events.append(Oversized(skipped.packet_type, skipped.size, topic))
        self._skipping, self._excerpt = None, bytearray()
