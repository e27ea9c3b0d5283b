"""One MQTT connection between the socket and amqtt: TLS (tls.py), limits (limits.py), backpressure.

A pump task reads the socket (decrypting on the MQTTS listener), passes the bytes through the
connection's `FrameGuard` and into a `PacketReader` that amqtt reads from; it stops reading
while amqtt is behind (`READ_BUFFER` bytes waiting) or the peer does not read what we write
(`WRITE_BUFFER`). A watchdog closes a connection that has not
delivered its CONNECT within `limits.CONNECT_TIMEOUT` seconds, TLS handshake included.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from amqtt.adapters import ReaderAdapter, WriterAdapter
from amqtt.errors import NoDataError
from OpenSSL import SSL

from simulator.mqtt import limits
from simulator.mqtt.tls import TlsStream

log = logging.getLogger(__name__)
READ_BUFFER = 1024 * 1024
WRITE_BUFFER = 64 * 1024  # bytes the peer has not read (PUBACKs, downlink) before we stop reading its packets
OversizeHandler = Callable[[tuple[str, int] | None, limits.Oversized], None]
Serve = Callable[[ReaderAdapter, WriterAdapter], Awaitable[None]]


class PacketReader(ReaderAdapter):
    """What amqtt reads: the checked plaintext; `read(n)` gives exactly n bytes (asyncio's readexactly,
    as amqtt's own adapter), `read()` what is buffered (amqtt never asks for that)."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._eof = False
        self._changed = asyncio.Event()

    @property
    def backlog(self) -> int:
        return len(self._buffer)

    def feed(self, data: bytes) -> None:
        self._buffer += data
        self._changed.set()

    def feed_eof(self) -> None:
        self._eof = True
        self._changed.set()

    async def wait_changed(self) -> None:
        self._changed.clear()
        await self._changed.wait()

    def take_frame(self) -> tuple[int, int, bytes] | None:
        """The first whole MQTT frame buffered, as (packet type, flags, body); None until one is.

        The guard has checked every frame's length before it got here (at most four length bytes,
        at most `limits.MAX_PACKET_BYTES`)."""
        buffer = self._buffer
        size = len(buffer)
        length, shift, index = 0, 0, 1
        while True:
            if index >= size:
                return None
            byte = buffer[index]
            index += 1
            length |= (byte & 0x7F) << shift
            if not byte & 0x80:
                break
            shift += 7
        end = index + length
        if size < end:
            return None
        first = buffer[0]
        body = bytes(buffer[index:end])
        del buffer[:end]
        self._changed.set()  # room again: wake the pump
        return first >> 4, first & 0x0F, body

    async def wait_more(self) -> None:
        """Until more bytes arrive; NoDataError once the stream has ended."""
        if self._eof:
            raise NoDataError("connection closed")
        await self.wait_changed()

    async def read(self, n: int = -1) -> bytes:
        while (len(self._buffer) < n if n >= 0 else not self._buffer) and not self._eof:
            await self.wait_changed()
        if n < 0:
            n = len(self._buffer)
        if len(self._buffer) < n:
            raise asyncio.IncompleteReadError(bytes(self._buffer), n)
        data = bytes(self._buffer[:n])
        del self._buffer[:n]
        self._changed.set()  # room again: wake the pump
        return data


class Writer(WriterAdapter):
    """What amqtt writes to: the socket, through TLS on the MQTTS listener.

    Writes made during one turn of the loop go out together at its end (`call_soon`): the fast
    path answers each QoS 1 PUBLISH of a read with a 4-byte PUBACK, and one send (one TLS
    record) for all of them instead of one each halves the CPU cost of QoS 1. `drain()` and
    `close()` send what is waiting first, so amqtt's write-then-drain keeps its meaning.
    """

    def __init__(self, writer: asyncio.StreamWriter, tls: TlsStream | None) -> None:
        self._writer, self._tls = writer, tls
        self._pending = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        if self.closed:
            return
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending += data

    def flush(self) -> None:
        """Send what the loop's turn has written."""
        if not self._pending or self.closed:
            return
        data = bytes(self._pending)
        self._pending.clear()
        if self._tls is not None:
            try:
                self._tls.write(data)
            except SSL.Error:  # the TLS session has ended (peer's close_notify, a reset): drop like a closed socket
                self.closed = True
        else:
            self._writer.write(data)

    @property
    def congested(self) -> bool:
        """The peer is not reading what we send (more than the transport's high-water mark waits)."""
        transport = self._writer.transport
        return transport.get_write_buffer_size() + len(self._pending) > WRITE_BUFFER

    async def drain(self) -> None:
        self.flush()
        if not self.closed:
            await self._writer.drain()

    def get_peer_info(self) -> tuple[str, int] | None:
        peer = self._writer.get_extra_info("peername")
        return (peer[0], peer[1]) if peer and len(peer) >= 2 else None

    def get_ssl_info(self) -> Any:
        """amqtt stores this as the session's `ssl_object`; auth.py reads the certificate from it."""
        return self._tls.peer if self._tls is not None else None

    async def close(self) -> None:
        if self.closed:
            return
        self.flush()
        self.closed = True
        if self._tls is not None:
            self._tls.close()
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()


async def serve_connection(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    context: SSL.Context | None,
    serve: Serve,
    on_oversize: OversizeHandler,
) -> None:
    """Run one connection to its end: handshake, pump, amqtt's session (`serve`), cleanup."""
    tls = TlsStream(context, reader, writer) if context is not None else None
    out = Writer(writer, tls)
    packets = PacketReader()
    guard = limits.FrameGuard()
    watchdog = asyncio.get_running_loop().call_later(limits.CONNECT_TIMEOUT, _expire, guard, writer)
    pump: asyncio.Task[None] | None = None
    try:
        if tls is not None:
            try:
                await tls.handshake()
            except (SSL.Error, ConnectionError, OSError) as error:
                log.info("MQTTS handshake failed from %s: %s", out.get_peer_info(), error)
                return
        read = tls.read if tls is not None else (lambda: reader.read(limits.MAX_PACKET_BYTES))
        pump = asyncio.ensure_future(_pump(read, guard, packets, out, on_oversize))
        await serve(packets, out)
    finally:
        watchdog.cancel()
        if pump is not None:
            pump.cancel()
        await out.close()


def _expire(guard: limits.FrameGuard, writer: asyncio.StreamWriter) -> None:
    if guard.packets == 0:
        log.info("MQTT connection from %s sent no CONNECT in time: closed", writer.get_extra_info("peername"))
        writer.close()


async def _pump(
    read: Callable[[], Awaitable[bytes]],
    guard: limits.FrameGuard,
    packets: PacketReader,
    out: Writer,
    on_oversize: OversizeHandler,
) -> None:
    try:
        while True:
            while packets.backlog > READ_BUFFER:
                await packets.wait_changed()
            if out.congested:  # a peer that does not read its PUBACKs is not read either
                await out.drain()
            data = await read()
            if not data:
                return
            passed, oversized = guard.feed(data)
            if passed:
                packets.feed(passed)
            for event in oversized:
                on_oversize(out.get_peer_info(), event)
    except limits.ProtocolViolation as violation:
        log.info("MQTT connection from %s closed: %s", out.get_peer_info(), violation)
    except (ConnectionError, OSError):
        pass
    finally:
        packets.feed_eof()
