"""paho-mqtt clients of virtual devices, driven by one asyncio loop in a thread of their own.

paho connects and does the TLS handshake with blocking calls; on the simulator's loop that would
wait forever for the broker running on that same loop. So the clients live on this host loop
(one thread for all of them, sockets registered with the loop, paho's "external loop" mode),
and everything crosses between the threads with `call_soon_threadsafe`: work goes in through
`DeviceHost.submit`, received messages and connection changes go out through callbacks the
owner passes (which must themselves hop back to the simulator's loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

log = logging.getLogger(__name__)
KEEPALIVE = 60
RETRY_SECONDS = 1.0  # doubled per failed attempt, up to RETRY_MAX
RETRY_MAX = 30.0
MAX_CONNECTING = 64  # CONNECTs awaiting their CONNACK: thousands of clients connect in waves
CONNACK_TIMEOUT = 30.0


class DeviceHost:
    def __init__(self, name: str = "olt-sim-devices") -> None:
        self.loop = asyncio.new_event_loop()
        self.clients: set[HostedClient] = set()
        self.connecting: set[HostedClient] = set()
        self.waiting: deque[HostedClient] = deque()
        self._queue: deque[tuple[Callable[..., Any], tuple[Any, ...]]] = deque()
        self._scheduled = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        keepalive = self.loop.create_task(self._keepalive())
        self.loop.run_forever()
        keepalive.cancel()
        with contextlib.suppress(BaseException):
            self.loop.run_until_complete(keepalive)
        self.loop.close()

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run fn(*args) on the host loop soon (thread-safe; many submits share one wake-up)."""
        self._queue.append((fn, args))
        with self._lock:
            if self._scheduled:
                return
            self._scheduled = True
        with contextlib.suppress(RuntimeError):  # loop already closed: shutting down
            self.loop.call_soon_threadsafe(self._drain)

    def _drain(self) -> None:
        with self._lock:
            self._scheduled = False
        queue = self._queue
        while queue:
            fn, args = queue.popleft()
            try:
                fn(*args)
            except Exception:
                log.exception("device host: %r failed", fn)

    def request_connect(self, client: HostedClient) -> None:
        if client in self.connecting or client in self.waiting:
            return
        if len(self.connecting) < MAX_CONNECTING:
            self.connecting.add(client)
            client.connect_now()
        else:
            self.waiting.append(client)

    def connect_done(self, client: HostedClient) -> None:
        self.connecting.discard(client)
        while self.waiting and len(self.connecting) < MAX_CONNECTING:
            nxt = self.waiting.popleft()
            if nxt.wanted and nxt._sock is None:
                self.connecting.add(nxt)
                nxt.connect_now()

    async def _keepalive(self) -> None:
        while True:
            await asyncio.sleep(5)
            for client in list(self.clients):
                client.misc()

    def stop(self, timeout: float = 3.0) -> None:
        def shutdown() -> None:
            for client in list(self.clients):
                client.close()
            self.loop.call_later(0.2, self.loop.stop)

        if self._thread.is_alive():
            self.submit(shutdown)
            self._thread.join(timeout)


class HostedClient:
    """One paho client on the host loop; `wanted` says whether it should be connected."""

    def __init__(
        self,
        host: DeviceHost,
        client_id: str,
        address: tuple[str, int],
        *,
        username: str | None = None,
        password: str | None = None,
        tls: ssl.SSLContext | None = None,
        on_message: Callable[[str, bytes], None],
        on_state: Callable[[bool], None],
    ) -> None:
        self.host, self.address = host, address
        self.subscriptions: list[str] = []
        self.on_message, self.on_state = on_message, on_state
        self.wanted = False
        self.connected = False
        self.attempts = 0
        client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv311,
            clean_session=True,
            reconnect_on_failure=False,
        )
        if username is not None:
            client.username_pw_set(username, password)
        if tls is not None:
            client.tls_set_context(tls)
            client.tls_insecure_set(True)  # the context decides what to verify
        client.on_connect = self._connected
        client.on_disconnect = self._disconnected
        client.on_message = lambda _c, _u, message: self.on_message(message.topic, bytes(message.payload))
        client.on_socket_open = self._socket_open
        client.on_socket_close = self._socket_close
        self.client = client
        self._sock: Any = None
        self._writing = False

    # ---- called on the host loop (through DeviceHost.submit) ----------------------------------

    def open(self) -> None:
        self.wanted = True
        self.host.clients.add(self)
        if self._sock is None:
            self.host.request_connect(self)

    def connect_now(self) -> None:
        """Called by the host when this client's turn to connect comes (paced: MAX_CONNECTING)."""
        if not self.wanted or self._sock is not None:
            self.host.connect_done(self)
            return
        try:
            self.client.connect(self.address[0], self.address[1], KEEPALIVE)
        except (OSError, ssl.SSLError) as error:
            log.info("MQTT connect of %s failed: %s", self.client._client_id, error)
            self.host.connect_done(self)
            self._retry()
            return
        self.host.loop.call_later(CONNACK_TIMEOUT, self._check_connack)
        self._flush()

    def _check_connack(self) -> None:
        if self in self.host.connecting and not self.connected:
            log.info("MQTT: no CONNACK for %s", self.client._client_id)
            self.host.connect_done(self)
            if self._sock is not None:
                self.client.disconnect()
                self._flush()

    def close(self) -> None:
        self.wanted = False
        if self._sock is not None:
            self.client.disconnect()
            self._flush()

    def reopen(self) -> None:
        """Drop the connection without a DISCONNECT and connect again at once (a reconnect storm)."""
        self.wanted = True
        self.host.clients.add(self)
        if self.connected:  # paho's reconnect() drops the socket without calling on_disconnect
            self.connected = False
            self.on_state(False)
        try:
            self.client.reconnect()
        except (OSError, ssl.SSLError, ValueError):
            self._retry()
            return
        self._flush()

    def publish(self, topic: str, payload: bytes, qos: int) -> None:
        if self._sock is None:
            return
        self.client.publish(topic, payload, qos)
        self._flush()

    def misc(self) -> None:
        if self._sock is not None:
            self.client.loop_misc()
            self._flush()

    # ---- paho callbacks (host loop) ---------------------------------------------------------

    def _connected(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self.host.connect_done(self)
        if reason.is_failure:
            log.info("MQTT CONNECT of %s refused: %s", client._client_id, reason)
            self.wanted = False
            return
        if self.subscriptions:
            client.subscribe([(topic, 1) for topic in self.subscriptions])
        self.attempts = 0
        self.connected = True
        self.on_state(True)

    def _disconnected(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self.host.connect_done(self)
        if self.connected:
            self.connected = False
            self.on_state(False)
        if self.wanted:
            self._retry()

    def _retry(self) -> None:
        def again() -> None:
            if self.wanted and self._sock is None:
                self.open()

        self.attempts += 1
        self.host.loop.call_later(min(RETRY_MAX, RETRY_SECONDS * 2 ** (self.attempts - 1)), again)

    def _socket_open(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self._sock = sock
        self.host.loop.add_reader(sock, self._read)

    def _socket_close(self, client: mqtt.Client, userdata: Any, sock: Any) -> None:
        self.host.loop.remove_reader(sock)
        if self._writing:
            self.host.loop.remove_writer(sock)
            self._writing = False
        self._sock = None

    def _read(self) -> None:
        client = self.client
        client.loop_read()
        sock = self._sock
        while sock is not None and isinstance(sock, ssl.SSLSocket) and sock.pending():
            client.loop_read()
            sock = self._sock
        self._flush()

    def _write(self) -> None:
        self.client.loop_write()
        self._flush()

    def _flush(self) -> None:
        """Write what paho queued; wait for the socket to drain only when it is full."""
        sock = self._sock
        if sock is None:
            return
        if self.client.want_write():
            self.client.loop_write()
        sock = self._sock
        wants = sock is not None and self.client.want_write()
        if wants and not self._writing:
            self.host.loop.add_writer(sock, self._write)
            self._writing = True
        elif not wants and self._writing:
            if sock is not None:
                self.host.loop.remove_writer(sock)
            self._writing = False
