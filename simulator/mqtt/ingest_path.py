"""The broker's fast path for uplink PUBLISHes: decoded and handed to the bridge on the reader's turn.

amqtt handles every PUBLISH with a task of its own (reader -> handle_publish task -> session queue ->
message loop -> a task per plugin event -> topic-filter tasks -> refusal logged with an f-string),
about 0.3 ms of CPU per message on this kind of machine. The platform's uplink topics
(`data-ingest`, `event-ingest`) are never relayed to a subscriber (the bridge's ACL denies every
broker relay), so none of that machinery can deliver them anywhere: this reader decodes the
frame itself, calls the bridge at once and answers PUBACK with four bytes.

Everything else (SUBSCRIBE, PINGREQ, DISCONNECT, PUBACKs of downlink messages, QoS 2, other topics)
is decoded by amqtt's packet classes and dispatched exactly as amqtt's own reader does, so the
broker's behaviour for them is unchanged. Messages of one connection are handled in the order
they arrive (amqtt's tasks did not promise that).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from amqtt.adapters import BufferReader, ReaderAdapter, StreamReaderAdapter, WriterAdapter
from amqtt.broker import Broker
from amqtt.errors import BrokerError, MQTTError, NoDataError
from amqtt.events import BrokerEvents, MQTTEvents
from amqtt.mqtt import packet_class
from amqtt.mqtt.constants import QOS_0, QOS_1
from amqtt.mqtt.packet import (
    CONNACK,
    CONNECT,
    DISCONNECT,
    PINGREQ,
    PINGRESP,
    PUBACK,
    PUBCOMP,
    PUBLISH,
    PUBREC,
    PUBREL,
    RESERVED_0,
    RESERVED_15,
    SUBACK,
    SUBSCRIBE,
    UNSUBACK,
    UNSUBSCRIBE,
    MQTTFixedHeader,
)
from amqtt.mqtt.protocol.broker_handler import BrokerProtocolHandler, Subscription, UnSubscription
from amqtt.plugins.manager import PluginManager
from transitions import MachineError

from simulator.mqtt.heap import SessionHeap
from simulator.mqtt.lean_queue import LeanQueue
from simulator.mqtt.session_state import lighten
from simulator.mqtt.topics import INGEST_TOPICS

if TYPE_CHECKING:
    from amqtt.broker import BrokerContext
    from amqtt.session import Session

log = logging.getLogger(__name__)
#: (session, topic, qos, payload) -> None: the bridge's uplink entry point.
Uplink = Callable[["Session", str, int, bytes], None]
REFUSED = 0x80  # SUBACK return code
MAX_FRAME_BYTES = 256 * 1024  # a larger packet closes the connection before it is buffered
_HANDLERS = {
    CONNACK: "handle_connack",
    SUBSCRIBE: "handle_subscribe",
    UNSUBSCRIBE: "handle_unsubscribe",
    SUBACK: "handle_suback",
    UNSUBACK: "handle_unsuback",
    PUBACK: "handle_puback",
    PUBREC: "handle_pubrec",
    PUBREL: "handle_pubrel",
    PUBCOMP: "handle_pubcomp",
    PINGREQ: "handle_pingreq",
    PINGRESP: "handle_pingresp",
    PUBLISH: "handle_publish",
    DISCONNECT: "handle_disconnect",
}


class FrameTooLarge(Exception):
    """Remaining length over MAX_FRAME_BYTES (or over four bytes of varint: not MQTT)."""


class IngestHandler(BrokerProtocolHandler):
    """amqtt's broker-side protocol handler with a reader that short-cuts ingest PUBLISHes."""

    def __init__(
        self,
        plugins_manager: PluginManager[BrokerContext],
        uplink: Uplink,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(plugins_manager, loop=loop)
        self._uplink = uplink
        self.fast_messages = 0  # PUBLISHes that took the fast path (tests and benchmarks read it)
        self._pending_subscriptions: asyncio.Queue[Subscription] = LeanQueue()  # 3 KiB less than asyncio's
        self._pending_unsubscriptions: asyncio.Queue[UnSubscription] = LeanQueue()

    async def _reader_loop(self) -> None:
        if self.session is None or self.reader is None or self._reader_ready is None:
            return
        self._reader_ready.set()
        running: deque[asyncio.Task[None]] = deque()
        take, next_frame = _frame_source(self.reader)
        try:
            while True:
                while running and running[0].done():
                    running.popleft()
                frame = take()  # a whole frame already buffered: no await (and no task switch) for it
                if frame is None:
                    try:
                        frame = await next_frame()
                    except (asyncio.IncompleteReadError, ConnectionError, NoDataError, FrameTooLarge):
                        break
                packet_type, flags, body = frame
                if packet_type == PUBLISH and self._fast_publish(flags, body):
                    continue  # backpressure of PUBACKs: connection.py stops reading a peer that does not read
                if packet_type in (RESERVED_0, RESERVED_15):
                    break  # forbidden packet type: close the connection, as amqtt does
                task = await self._dispatch(packet_type, flags, body)
                if task is not None:
                    running.append(task)
        except asyncio.CancelledError:
            pass
        except Exception as error:  # amqtt's reader ends the connection on anything unexpected too
            log.warning("MQTT reader of %s ended: %r", self.session.client_id if self.session else None, error)
        for task in running:
            task.cancel()
        await self.handle_connection_closed()
        self._reader_stopped.set()
        await self.stop()

    def _fast_publish(self, flags: int, body: bytes) -> bool:
        """Handle a QoS 0/1 PUBLISH to an ingest topic now; False leaves the frame to amqtt."""
        qos = (flags >> 1) & 0x03
        if qos > QOS_1 or len(body) < 2:
            return False
        end = 2 + ((body[0] << 8) | body[1])
        topic = body[2:end]
        if topic not in _INGEST_BYTES:
            return False
        payload_start = end + 2 if qos else end
        if payload_start > len(body):
            return False
        session = self.session
        if session is None:
            return True
        self.fast_messages += 1
        self._uplink(session, _INGEST_BYTES[topic], qos, body[payload_start:])
        if qos and self.writer is not None:
            self.writer.write(b"\x40\x02" + body[end : end + 2])  # PUBACK with the packet id
        return True

    async def _dispatch(self, packet_type: int, flags: int, body: bytes) -> asyncio.Task[None] | None:
        """Any other packet: amqtt's own decoding and handler, as its reader would run it."""
        header = MQTTFixedHeader(packet_type, flags, len(body))
        try:
            packet = await packet_class(header).from_stream(BufferReader(body), fixed_header=header)
        except MQTTError:
            return None  # amqtt discards a packet it cannot decode, too
        await self.plugins_manager.fire_event(MQTTEvents.PACKET_RECEIVED, packet=packet, session=self.session)
        if packet_type == CONNECT:
            await self.handle_connect(packet)
            return None
        name = _HANDLERS.get(packet_type)
        return asyncio.create_task(getattr(self, name)(packet)) if name else None


_INGEST_BYTES = {topic.encode(): topic for topic in INGEST_TOPICS}


Frame = tuple[int, int, bytes]  # (packet type, flags, variable header + payload)


@runtime_checkable
class FrameSource(Protocol):
    """A reader that hands out whole frames it has buffered (connection.py's `PacketReader`)."""

    def take_frame(self) -> Frame | None: ...

    async def wait_more(self) -> None: ...


def _frame_source(reader: ReaderAdapter) -> tuple[Callable[[], Frame | None], Callable[[], Awaitable[Frame]]]:
    """(take a buffered frame or None, wait for the next frame) for `reader`."""
    if isinstance(reader, FrameSource):
        source = reader

        async def wait_frame() -> Frame:
            while (frame := source.take_frame()) is None:
                await source.wait_more()
            return frame

        return source.take_frame, wait_frame
    read = _exact_reader(reader)
    return (lambda: None), (lambda: _read_frame(read))


def _exact_reader(reader: ReaderAdapter) -> Callable[[int], Any]:
    """readexactly of the asyncio stream under amqtt's plain adapter (one await less per read);
    any other adapter (a subclass may check what it reads) is used as it is."""
    stream = getattr(reader, "_reader", None)
    if type(reader) is StreamReaderAdapter and isinstance(stream, asyncio.StreamReader):
        return stream.readexactly
    read: Callable[[int], Any] = reader.read  # amqtt is untyped
    return read


async def _read_frame(read: Callable[[int], Any]) -> Frame:
    """One MQTT frame: (packet type, flags, variable header + payload)."""
    head = await read(2)
    if len(head) < 2:
        raise NoDataError("connection closed")
    first, byte = head[0], head[1]
    length, shift = byte & 0x7F, 7
    while byte & 0x80:
        if shift > 21:
            raise FrameTooLarge
        more = await read(1)
        if not more:
            raise NoDataError("connection closed")
        byte = more[0]
        length |= (byte & 0x7F) << shift
        shift += 7
    if length > MAX_FRAME_BYTES:
        raise FrameTooLarge
    body = await read(length) if length else b""
    return first >> 4, first & 0x0F, body


class _Filters(dict[str, list[tuple["Session", int]]]):
    """amqtt's subscription table with a repr that does not list every session."""

    def __repr__(self) -> str:
        return f"<{len(self)} topic filters>"


class IngestBroker(Broker):
    """amqtt's broker whose connections read through `IngestHandler`, with O(1) session bookkeeping.

    amqtt walks every subscribed topic filter of the broker on each CONNECT (to send retained
    messages, formatting a debug line per filter) and on each session clean-up: with 10,000
    devices subscribed to two topics each, connecting them all costs O(n^2) and took minutes.
    This broker never holds retained messages (its ACL denies every relayed PUBLISH, retained or
    not), so it skips that walk, and it keeps each session's filters to clean up only those.
    amqtt also formats `repr()` of the whole subscription table after every SUBSCRIBE (for a
    debug line): `_Filters` makes that repr one short line.
    """

    def __init__(self, config: Any, uplink: Uplink) -> None:
        super().__init__(config)
        self._subscriptions = _Filters()
        self._uplink_handler = uplink
        self._filters_of: dict[str, set[str]] = {}  # client id -> topic filters it subscribed to
        self.heap = SessionHeap()

    async def _handle_client_session(
        self,
        reader: ReaderAdapter,
        writer: WriterAdapter,
        client_session: Session,
        handler: BrokerProtocolHandler,
        server: Any,
        listener_name: str,
    ) -> None:
        # amqtt's own method (0.11/0.12) but with our handler and without the walk over every filter
        ours = IngestHandler(self.plugins_manager, self._uplink_handler, loop=self._loop)
        # amqtt's caller keeps the handler it made while reading CONNECT (never started: `ours` runs
        # the session) for the whole session; its queues, events and lock are 10 KiB per connection.
        vars(handler).clear()
        lighten(client_session)
        authenticated = await self._authenticate(client_session, self.listeners_config[listener_name])
        if client_session.client_id is None:
            raise BrokerError("Client ID was not correctly created/set.")
        while True:
            try:
                client_session.transitions.connect()
                break
            except (MachineError, ValueError):
                if client_session.transitions.is_connected():
                    old_handler = self._sessions[client_session.client_id][1]
                    await old_handler.handle_connection_closed()
                    await old_handler.stop()
                    break
                await asyncio.sleep(1)  # reconnecting too quickly: amqtt makes it wait, too
        ours.attach(client_session, reader, writer)
        self._sessions[client_session.client_id] = (client_session, ours)
        await ours.mqtt_connack_authorize(authenticated)
        if not authenticated:
            await writer.close()
            return
        self.heap.connected()
        await self.plugins_manager.fire_event(
            BrokerEvents.CLIENT_CONNECTED, client_id=client_session.client_id, client_session=client_session
        )
        await ours.start()
        await self._publish_session_retained_messages(client_session)
        if self._retained_messages:
            for topic in list(self._subscriptions):
                await self._publish_retained_messages_for_subscription((topic, QOS_0), client_session)
        await self._client_message_loop(client_session, ours)

    async def shutdown(self) -> None:
        self.heap.release()
        await super().shutdown()

    async def add_subscription(self, subscription: tuple[str, int], session: Session) -> int:
        granted: int = await super().add_subscription(subscription, session)
        if granted != REFUSED:
            self._filters_of.setdefault(session.client_id or "", set()).add(subscription[0])
        return granted

    async def _del_all_subscriptions(self, session: Session) -> None:
        for topic_filter in self._filters_of.pop(session.client_id or "", ()):
            if self._del_subscription(topic_filter, session) and not self._subscriptions.get(topic_filter):
                self._subscriptions.pop(topic_filter, None)
