"""Device streams over WebSocket (facts A.14 #91-93, G, I.6).

A POST hands out a one-time 64-hex token valid 15 simulated seconds. Bus subscribers turn
`DataReported` / `EventReported` into stream messages and push them into every matching open
connection's bounded queue (a slow consumer loses its oldest messages; losses are counted).
`buffered` streams also keep every message of the tenant for their client for 2 days, replayed
on reconnect from `options.replayFromTimestamp` (default: the last disconnect).

Tickets and buffers are world state (reset and snapshot with it); open connections are live
sockets, so they are the one thing this backend holds itself.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.core.clock import parse_time
from simulator.core.errors import BadRequest, Unauthorized
from simulator.core.events import DataReported, DataReportedBatch, EventReported
from simulator.services.backend import Backend
from simulator.services.streaming.inputs import StreamRequest
from simulator.services.streaming.messages import (
    DeviceFacts,
    data_message,
    event_message,
    matches,
)

if TYPE_CHECKING:
    from simulator.runtime import Simulator

TOKEN_TTL_SECONDS = 15
BUFFER_SECONDS = 2 * 24 * 3600
MAX_BUFFERED_MESSAGES = 10_000
MAX_QUEUED_MESSAGES = 1_000
STREAM_PATH = "/v1/devices/streaming-connections"


@dataclass
class StreamTicket:
    token: str
    tenant_id: str
    client_key: str  # client id + subject: whose buffer a buffered stream uses
    stream_type: str
    filter: dict[str, list[str]]
    replay_from: float | None
    expires_at: float


@dataclass
class BufferedMessage:
    seq: int
    at: float
    message: dict[str, Any]


@dataclass
class StreamBuffer:
    tenant_id: str
    messages: list[BufferedMessage] = field(default_factory=list)  # oldest first
    connections: int = 0
    last_disconnect: float | None = None
    next_seq: int = 0
    resume_seq: int | None = None  # where a reconnect without replayFromTimestamp resumes


@dataclass
class StreamingStore:
    tickets: dict[str, StreamTicket] = field(default_factory=dict)
    buffers: dict[str, StreamBuffer] = field(default_factory=dict)  # "<tenant>/<client key>" -> buffer


class Subscriber:
    """One open WebSocket: a bounded queue the socket task drains."""

    def __init__(self, ident: int, ticket: StreamTicket, limit: int = MAX_QUEUED_MESSAGES) -> None:
        self.id = ident
        self.ticket = ticket
        self.queue: deque[dict[str, Any]] = deque()
        self.limit = limit
        self.delivered = 0
        self.dropped = 0
        self.wakeup = asyncio.Event()

    def offer(self, message: dict[str, Any]) -> None:
        if len(self.queue) >= self.limit:
            self.queue.popleft()
            self.dropped += 1
        self.queue.append(message)
        self.wakeup.set()

    def take(self) -> list[dict[str, Any]]:
        taken = list(self.queue)
        self.queue.clear()
        self.wakeup.clear()
        self.delivered += len(taken)
        return taken

    def describe(self) -> dict[str, Any]:
        ticket = self.ticket
        return {
            "id": self.id,
            "tenantId": ticket.tenant_id,
            "type": ticket.stream_type,
            "filter": ticket.filter,
            "queued": len(self.queue),
            "delivered": self.delivered,
            "dropped": self.dropped,
        }


class StreamingBackend(Backend[StreamingStore]):
    store_field = "streaming"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        self.subscribers: dict[str, list[Subscriber]] = {}  # tenant id -> open connections
        self._ids = itertools.count(1)
        # fan-out waits for the commit
        sim.bus.subscribe(DataReported, self._on_data, batch=self._on_data_batch, after_commit=True)
        sim.bus.subscribe(EventReported, self._on_event, after_commit=True)

    # ------------------------------------------------------------------ tickets

    @records_change("createStreamingConnection")
    def create_streaming_connection(self, tenant_id: str, client_key: str, request: StreamRequest) -> str:
        """The WebSocket URL (with a fresh one-time token) for this request."""
        now = self.sim.clock.time()
        self._purge_tickets(now)
        replay_text = request.replay_from_timestamp
        try:
            replay_from = parse_time(replay_text).timestamp() if replay_text else None
        except ValueError:
            raise BadRequest("options.replayFromTimestamp is not an RFC 3339 date-time") from None
        ticket = StreamTicket(
            token=self.sim.token_random.token_hex(32),
            tenant_id=tenant_id,
            client_key=client_key,
            stream_type=request.type,
            filter=request.filter.conditions(),
            replay_from=replay_from,
            expires_at=now + TOKEN_TTL_SECONDS,
        )
        self.store.tickets[ticket.token] = ticket
        base = self.sim.base_url.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        return f"{base}{STREAM_PATH}?token={ticket.token}"

    def _purge_tickets(self, now: float) -> None:
        for token in [t.token for t in self.store.tickets.values() if t.expires_at <= now]:
            del self.store.tickets[token]

    def check_token(self, token: str, path_type: str | None = None) -> StreamTicket:
        """The ticket of a valid token (not consumed); 401 for unknown or expired ones."""
        self._purge_tickets(self.sim.clock.time())
        ticket = self.store.tickets.get(token)
        if ticket is None:
            raise Unauthorized("Token is not valid (unknown or expired); request a new streaming URL")
        if path_type is not None and path_type != ticket.stream_type:
            raise BadRequest(f"The token was issued for a {ticket.stream_type} stream, not {path_type}")
        return ticket

    # ------------------------------------------------------------------ connections

    def open(self, token: str, path_type: str | None = None) -> tuple[Subscriber, list[dict[str, Any]]]:
        """Redeem the token: register the connection and return it with the messages to replay."""
        ticket = self.check_token(token, path_type)
        del self.store.tickets[token]
        subscriber = Subscriber(next(self._ids), ticket)
        self.subscribers.setdefault(ticket.tenant_id, []).append(subscriber)
        if ticket.stream_type != "buffered":
            return subscriber, []
        now = self.sim.clock.time()
        key = f"{ticket.tenant_id}/{ticket.client_key}"
        buffer = self.store.buffers.get(key)
        if buffer is None or self._expired(buffer, now):
            buffer = self.store.buffers[key] = StreamBuffer(ticket.tenant_id)
        buffer.connections += 1
        oldest = now - BUFFER_SECONDS
        if ticket.replay_from is not None:
            since = max(ticket.replay_from, oldest)
            replay = [m.message for m in buffer.messages if m.at >= since]
        elif buffer.resume_seq is not None:
            resume = buffer.resume_seq
            replay = [m.message for m in buffer.messages if m.seq >= resume and m.at >= oldest]
        else:
            return subscriber, []
        tenant_id = ticket.tenant_id
        return subscriber, [m for m in replay if matches(ticket.filter, m, self._facts(tenant_id, m["deviceId"]))]

    def close(self, subscriber: Subscriber) -> None:
        ticket = subscriber.ticket
        open_ones = self.subscribers.get(ticket.tenant_id, [])
        if subscriber in open_ones:
            open_ones.remove(subscriber)
        buffer = self.store.buffers.get(f"{ticket.tenant_id}/{ticket.client_key}")
        if ticket.stream_type == "buffered" and buffer is not None:
            buffer.connections = max(0, buffer.connections - 1)
            buffer.last_disconnect = self.sim.clock.time()
            buffer.resume_seq = buffer.next_seq

    def describe(self) -> list[dict[str, Any]]:
        return [s.describe() for subs in self.subscribers.values() for s in subs]

    # ------------------------------------------------------------------ delivery

    @staticmethod
    def _expired(buffer: StreamBuffer, now: float) -> bool:
        """Buffering stops when its client stayed away for more than 2 days."""
        away_since = buffer.last_disconnect
        return buffer.connections == 0 and away_since is not None and now - away_since > BUFFER_SECONDS

    def _facts(self, tenant_id: str, device_id: str) -> Callable[[], DeviceFacts]:
        """A memoised lookup of what device conditions need (most filters never call it)."""
        found: list[DeviceFacts] = []

        def lookup() -> DeviceFacts:
            if not found:
                found.append(self._device_facts(tenant_id, device_id))
            return found[0]

        return lookup

    def _device_facts(self, tenant_id: str, device_id: str) -> DeviceFacts:
        device = self.sim.devices.find_device(tenant_id, device_id)
        if device is None:
            return DeviceFacts()
        device_type = self.sim.device_types.find_device_type(tenant_id, device.device_type_id)
        categories = tuple(device_type.categories or ()) if device_type is not None else ()
        return DeviceFacts(tuple(device.tags), device.device_type_id, categories)

    def _listening(self, tenant_id: str) -> bool:
        """Is anyone (an open stream or a buffer) interested in this tenant's messages?"""
        return bool(self.subscribers.get(tenant_id)) or any(
            b.tenant_id == tenant_id for b in self.store.buffers.values()
        )

    def _on_data(self, event: DataReported) -> None:
        if self._listening(event.tenant_id):
            self._publish(event.tenant_id, event.device_id, data_message(event, self.sim.clock.now()))

    def _on_data_batch(self, batch: DataReportedBatch) -> None:
        """Many reports at once: nobody listening is decided once for all of them."""
        if self._listening(batch.tenant_id):
            now = self.sim.clock.now()
            for event in batch.items():
                self._publish(event.tenant_id, event.device_id, data_message(event, now))

    def _on_event(self, event: EventReported) -> None:
        if self._listening(event.tenant_id):
            self._publish(event.tenant_id, event.device_id, event_message(event, self.sim.clock.now()))

    def _publish(self, tenant_id: str, device_id: str, message: dict[str, Any]) -> None:
        facts = self._facts(tenant_id, device_id)
        for subscriber in self.subscribers.get(tenant_id, ()):
            if matches(subscriber.ticket.filter, message, facts):
                subscriber.offer(message)
        self._buffer(tenant_id, message)

    def _buffer(self, tenant_id: str, message: dict[str, Any]) -> None:
        now = self.sim.clock.time()
        for key, buffer in list(self.store.buffers.items()):
            if buffer.tenant_id != tenant_id:
                continue
            if self._expired(buffer, now):
                del self.store.buffers[key]
                continue
            messages = buffer.messages
            messages.append(BufferedMessage(buffer.next_seq, now, message))
            buffer.next_seq += 1
            # trim with some slack so the cost is amortised; replay applies the exact window
            if len(messages) > MAX_BUFFERED_MESSAGES * 1.1 or messages[0].at < now - BUFFER_SECONDS * 1.1:
                messages[:] = [m for m in messages[-MAX_BUFFERED_MESSAGES:] if m.at >= now - BUFFER_SECONDS]
