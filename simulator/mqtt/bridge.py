"""The bridge between the embedded broker and the simulator (an amqtt plugin plus its logic).

Uplink: every PUBLISH is handed to `Bridge.received` (amqtt's `broker_message_received`);
ingest topics go through the same pipeline as HTTP ingest (`sim.ingest`, source "mqtt"),
anything else is refused. Nothing is ever relayed between clients: the topic filter denies
PUBLISH and RECEIVE to the broker's own fan-out, and downlink messages are delivered by the
bridge to the sessions subscribed to the device's topics (re-checking the ACL at delivery).
Failures become diagnostics entries of the session's device; a session is never dropped for
what it publishes.

Client ids are scoped per device (amqtt's session key becomes `<device id>/<client id>`), so two
devices using the same literal client id do not take over each other; sessions are never
persisted (clean session), so nothing is queued for an offline device (facts I.32).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from amqtt.contexts import Action
from amqtt.plugins.base import BaseAuthPlugin, BaseTopicPlugin
from amqtt.session import ApplicationMessage, Session

from simulator.core.clock import iso
from simulator.core.errors import SimError
from simulator.core.events import (
    CertificateInvalidated,
    DeviceActionRequested,
    DeviceConfigurationChanged,
    DeviceDeleted,
    FirmwareInstallationRequested,
)
from simulator.faults import fault_mark
from simulator.faults.mqtt import MqttFaults
from simulator.mqtt import auth, codec
from simulator.mqtt.codec import action_message, configuration_message, decode_uplink, encode, payload_text
from simulator.mqtt.lean_queue import LeanQueue
from simulator.mqtt.limits import MAX_PACKET_BYTES, Oversized
from simulator.mqtt.topics import (
    ACTIONS,
    CONFIGURATION,
    DATA_INGEST,
    FIRMWARE_INSTALLATIONS,
    INGEST_TOPICS,
    downlink_topic,
    matching_filters,
)

if TYPE_CHECKING:
    from amqtt.broker import Broker

    from simulator.runtime import Simulator

log = logging.getLogger(__name__)
SESSION_KEY = "olt"  # our entry in amqtt's per-session `attributes`
DOWNLINK_QOS = 1
MAX_PENDING_DELIVERIES = 10_000  # downlink publishes awaiting their PUBACK, all sessions together
SESSION_QUEUE_SIZE = 1_000  # received messages per session awaiting processing (QoS 0 beyond it is dropped)


@dataclass(slots=True)
class DeviceSession:
    identity: auth.DeviceIdentity
    state: object  # the `sim.state` the identity was last checked against (reset/restore swap it)
    client_id: str  # as the client sent it (amqtt's key is scoped by device)


class Bridge:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.broker: Broker | None = None
        self._pending: set[asyncio.Future[Any]] = set()
        self._unsubscribers: list[Callable[[], None]] = []
        self.faults = MqttFaults(sim, lambda pick: self.disconnect_where(lambda identity: pick(identity.device_id)))

    def attach(self, broker: Broker) -> None:
        codec.prepare()
        self.broker = broker
        bus = self.sim.bus
        self._unsubscribers = [
            bus.subscribe(DeviceConfigurationChanged, self._on_configuration, after_commit=True),
            bus.subscribe(DeviceActionRequested, self._on_action, after_commit=True),
            bus.subscribe(FirmwareInstallationRequested, self._on_firmware, after_commit=True),
            bus.subscribe(CertificateInvalidated, self._on_certificate_invalidated, after_commit=True),
            bus.subscribe(DeviceDeleted, self._on_device_deleted, after_commit=True),
            self.sim.faults.watch(self.faults.opened),
        ]

    def detach(self) -> None:
        for unsubscribe in self._unsubscribers:
            unsubscribe()
        self._unsubscribers.clear()
        for task in list(self._pending):
            task.cancel()
        self.broker = None

    # ------------------------------------------------------------------ sessions

    def authenticate(self, session: Session) -> bool:
        if session.ssl_object is not None:
            identity = auth.by_certificate(self.sim, session.ssl_object)
        else:
            identity = auth.by_password(self.sim, session.username, session.password)
        if identity is None or SESSION_KEY in session.attributes:  # the latter: amqtt resumed a live session
            log.info("MQTT CONNECT refused (not authorised): %r from %s", session.client_id, session.remote_address)
            return False
        refused = self.faults.refuse_connect(identity.device_id, (session.remote_address, session.remote_port))
        if refused is not None:
            rule, code = refused
            self._journal(
                "connect", session.client_id, identity.device_id, "", None, b"", f"refused ({code})", fault_mark(rule)
            )
            return False
        client_id = session.client_id or ""
        session.client_id = f"{identity.device_id}/{client_id}"
        session.clean_session = True
        session.will_flag = False  # the broker would publish a will itself, past the ACL
        self._take_over(session.client_id)
        session.attributes[SESSION_KEY] = DeviceSession(identity, self.sim.state, client_id)
        if session.delivered_message_queue.maxsize == 0 and session.delivered_message_queue.empty():
            session.delivered_message_queue = LeanQueue(SESSION_QUEUE_SIZE)
        return True

    def _take_over(self, key: str) -> None:
        """The device reconnects with the same client id: its old session goes (MQTT 3.1.4-2)."""
        old = self.broker.sessions.get(key) if self.broker is not None else None
        if old is None or self.broker is None:
            return
        self._drop(old[0])
        for topic_filter, subscribers in list(self.broker.subscriptions.items()):
            subscribers[:] = [(s, qos) for s, qos in subscribers if s is not old[0]]
            if not subscribers:
                del self.broker.subscriptions[topic_filter]

    def connected(self, session: Session | None) -> None:
        current = self._current(session)
        if current is not None:
            self._touch(current.identity)

    def allowed(self, session: Session | None, topic: str | None, action: Action | None) -> bool:
        """Only subscriptions are the broker's business; it never relays a publish itself."""
        if action != Action.SUBSCRIBE or topic is None:
            return False
        current = self._current(session)
        return current is not None and auth.may_subscribe(self.sim, current.identity, topic)

    def _current(self, session: Session | None) -> DeviceSession | None:
        """The session's device, re-checked once after the world was reset or restored."""
        current: DeviceSession | None = session.attributes.get(SESSION_KEY) if session is not None else None
        if current is None or current.state is self.sim.state:
            return current
        if auth.still_valid(self.sim, current.identity):
            current.state = self.sim.state
            return current
        self._drop(session)
        return None

    def disconnect_where(self, predicate: Callable[[auth.DeviceIdentity], bool]) -> int:
        """Close every live session whose device identity matches (revocation, deletion)."""
        if self.broker is None:
            return 0
        dropped = 0
        for session, _ in list(self.broker.sessions.values()):
            current = session.attributes.get(SESSION_KEY)
            if current is not None and predicate(current.identity):
                self._drop(session)
                dropped += 1
        return dropped

    def _drop(self, session: Session | None) -> None:
        if session is None or self.broker is None:
            return
        session.attributes.pop(SESSION_KEY, None)  # nothing more is processed for it
        handler = self.broker.sessions.get(session.client_id or "", (None, None))[1]
        if handler is not None and session.transitions.is_connected():
            self._spawn(handler.handle_connection_closed())

    # ------------------------------------------------------------------ uplink

    def received(self, client_id: str, message: ApplicationMessage | None) -> None:
        if message is None or self.broker is None or message.topic is None:
            return
        session = self.broker.sessions.get(client_id, (None, None))[0]
        self.uplink(session, message.topic, message.qos or 0, bytes(message.data or b""))

    def uplink(self, session: Session | None, topic: str, qos: int, data: bytes) -> None:
        """One PUBLISH of a session (also called directly by the broker's fast path, ingest_path.py)."""
        current = self._current(session)
        if current is None:
            return
        identity = current.identity
        if not self.sim.faults.rules:  # the common case: no closures for the fault layer per message
            outcome = self._ingest_and_touch(identity, topic, data)
            self._journal("uplink", current.client_id, identity.device_id, topic, qos, data, outcome)
            return

        def deliver() -> str:
            return self._ingest_and_touch(identity, topic, data)

        def journal(outcome: str, fault: dict[str, str] | None = None) -> None:
            self._journal("uplink", current.client_id, identity.device_id, topic, qos, data, outcome, fault)

        drop = partial(self._drop, session)
        if not self.faults.intercept("uplink", identity.device_id, topic, deliver, journal, drop):
            journal(deliver())

    def _ingest_and_touch(self, identity: auth.DeviceIdentity, topic: str, data: bytes) -> str:
        outcome = self._ingest(identity, topic, data)
        if outcome != "accepted":  # an accepted message has been counted as contact by the pipeline
            self._touch(identity)
        return outcome

    def _ingest(self, identity: auth.DeviceIdentity, topic: str, data: bytes) -> str:
        tenant_id, device_id = identity.tenant_id, identity.device_id
        if topic not in INGEST_TOPICS:
            self._diagnose(identity, "FORBIDDEN_TOPIC", f"Publishing to {topic!r} is not allowed", data)
            return "forbidden"
        try:
            uplink = decode_uplink(topic, data)
        except SimError as error:
            self._diagnose(identity, error.code, _describe(error), data)
            return "invalid"
        target = uplink.device_id or device_id
        try:
            with self._all_or_nothing():
                self._pipeline(tenant_id, device_id, target, topic, uplink)
        except SimError:
            return "invalid"  # the pipeline has written the diagnostics entry
        except Exception:
            log.exception("MQTT ingest failed for device %s on %s", device_id, topic)
            self._diagnose(identity, "INTERNAL_ERROR", "The message could not be processed", data)
            return "error"
        return "accepted"

    def _all_or_nothing(self) -> contextlib.AbstractContextManager[object]:
        """A transaction (core/undo.py) where the uplink can fail after its first change, else none.

        The pipeline refuses a message before it changes anything (ingest/models.py `_accept`), so
        what could still fail half-way is a bus subscriber, and only a strict bus (the pytest
        fixtures) lets a subscriber's error reach the uplink; in serve mode it is logged. A
        transaction costs about a third of an uplink's CPU, so serve mode goes without."""
        return self.sim.transaction() if self.sim.bus.strict else contextlib.nullcontext()

    def _pipeline(self, tenant_id: str, device_id: str, target: str, topic: str, uplink: codec.Uplink) -> None:
        """The ingest pipeline (shared with HTTP and in-process devices) for one decoded uplink."""
        if topic == DATA_INGEST:
            self.sim.ingest.ingest_data(
                tenant_id,
                sender_id=device_id,
                device_id=target,
                kind=uplink.type,
                value=uplink.value or {},
                time=uplink.time,
                source="mqtt",
                receipt=False,
            )
        else:
            self.sim.ingest.ingest_event(
                tenant_id,
                sender_id=device_id,
                device_id=target,
                event_type=uplink.type,
                value=uplink.value or {},
                created_at=uplink.time,
                source="mqtt",
            )

    def _diagnose(self, identity: auth.DeviceIdentity, code: str, message: str, data: bytes) -> None:
        self.sim.events.record_diagnostic(
            identity.tenant_id,
            identity.device_id,
            source="mqtt",
            code=code,
            message=message,
            payload=payload_text(data),
        )

    def oversized(self, peer: tuple[str, int] | None, packet: Oversized) -> None:
        """A packet over the size limit was skipped (limits.py): one diagnostics entry, nothing stored."""
        sessions = self.broker.sessions.values() if self.broker is not None and peer is not None else []
        session = next((s for s, _ in sessions if (s.remote_address, s.remote_port) == peer), None)
        current = self._current(session)
        if current is None:
            log.info("MQTT packet of %d bytes from %s skipped (over the size limit)", packet.size, peer)
            return
        where = f" to {packet.topic!r}" if packet.topic is not None else ""
        limit = f"exceeds the maximum of {MAX_PACKET_BYTES} bytes: not processed"
        message = f"A packet of {packet.size} bytes{where} {limit}"
        self._diagnose(current.identity, "PAYLOAD_TOO_LARGE", message, b"")

    def _touch(self, identity: auth.DeviceIdentity) -> None:
        with contextlib.suppress(SimError):  # deleted meanwhile: its sessions are being dropped
            self.sim.devices.touch(identity.tenant_id, identity.device_id)

    # ------------------------------------------------------------------ downlink

    def _on_configuration(self, event: DeviceConfigurationChanged) -> None:
        payload = configuration_message(event.device_id, event.configuration, event.aliases)
        self.publish(event.tenant_id, event.device_id, CONFIGURATION, payload)

    def _on_action(self, event: DeviceActionRequested) -> None:
        payload = action_message(event.action_id, event.device_id, event.action, event.payload, event.aliases)
        self.publish(event.tenant_id, event.device_id, ACTIONS, payload)

    def _on_firmware(self, event: FirmwareInstallationRequested) -> None:
        self.publish(event.tenant_id, event.device_id, FIRMWARE_INSTALLATIONS, encode(event.message))

    def _on_certificate_invalidated(self, event: CertificateInvalidated) -> None:
        self.disconnect_where(lambda identity: identity.fingerprint == event.fingerprint)

    def _on_device_deleted(self, event: DeviceDeleted) -> None:
        self.disconnect_where(
            lambda identity: identity.device_id == event.device_id and identity.tenant_id == event.tenant_id
        )

    def publish(self, tenant_id: str, device_id: str, kind: str, payload: bytes) -> list[str]:
        """Deliver to every live session subscribed to the device's topic that may reach the device."""
        topic = downlink_topic(device_id, kind)
        delivered: list[str] = []
        broker = self.broker
        if broker is None:
            return delivered
        for topic_filter in matching_filters(topic):
            for session, granted_qos in list(broker.subscriptions.get(topic_filter, ())):
                client_id = session.client_id or ""
                if client_id in delivered or not session.transitions.is_connected():
                    continue
                current = self._current(session)
                if current is None or current.identity.tenant_id != tenant_id:
                    continue
                if not auth.may_reach(self.sim, current.identity, device_id):
                    continue
                handler = broker.sessions.get(client_id, (None, None))[1]
                if handler is None:
                    continue
                delivered.append(client_id)
                self._deliver(
                    session, handler, current.client_id, device_id, topic, min(DOWNLINK_QOS, granted_qos), payload
                )
        if not delivered:
            self._journal("downlink", None, device_id, topic, DOWNLINK_QOS, payload, "no subscriber")
        return delivered

    def _deliver(
        self, session: Session, handler: Any, client_id: str, device_id: str, topic: str, qos: int, payload: bytes
    ) -> None:
        def deliver() -> str:
            return "sent" if self._spawn(handler.mqtt_publish(topic, payload, qos, False)) else "dropped"

        def journal(outcome: str, fault: dict[str, str] | None = None) -> None:
            self._journal("downlink", client_id, device_id, topic, qos, payload, outcome, fault)

        if not self.faults.intercept("downlink", device_id, topic, deliver, journal, partial(self._drop, session)):
            journal(deliver())

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> bool:
        if len(self._pending) >= MAX_PENDING_DELIVERIES:
            coro.close()
            log.warning("MQTT: %d deliveries pending, dropping one", len(self._pending))
            return False
        task = asyncio.ensure_future(coro)
        self._pending.add(task)
        task.add_done_callback(self._finished)
        return True

    def _finished(self, task: asyncio.Future[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.info("MQTT delivery failed: %r", task.exception())

    # ------------------------------------------------------------------ journal

    def _journal(
        self,
        direction: str,
        client_id: str | None,
        device_id: str,
        topic: str,
        qos: int | None,
        data: bytes,
        outcome: str,
        fault: dict[str, str] | None = None,
    ) -> None:
        entry = {
            "time": iso(self.sim.clock.now()),
            "direction": direction,
            "clientId": client_id,
            "deviceId": device_id,
            "topic": topic,
            "qos": qos,
            "payload": payload_text(data),
            "outcome": outcome,
        }
        self.sim.mqtt_journal.append(entry if fault is None else {**entry, "fault": fault})


def _describe(error: SimError) -> str:
    if not error.details:
        return error.message
    return error.message + ": " + "; ".join(f"{d['path']}: {d['message']}" for d in error.details)


class BridgePlugin(BaseAuthPlugin, BaseTopicPlugin):
    """amqtt's view of the bridge: authentication, topic checks and the events it listens to."""

    @dataclass
    class Config:
        bridge: Any = None

    @property
    def bridge(self) -> Bridge:
        bridge: Bridge = self.context.config.bridge
        return bridge

    async def authenticate(self, *, session: Session) -> bool | None:
        return self.bridge.authenticate(session)

    async def topic_filtering(
        self, *, session: Session | None = None, topic: str | None = None, action: Action | None = None
    ) -> bool | None:
        return self.bridge.allowed(session, topic, action)

    async def on_broker_client_connected(self, *, client_id: str, client_session: Session) -> None:
        self.bridge.connected(client_session)

    async def on_broker_message_received(self, *, client_id: str, message: ApplicationMessage | None) -> None:
        self.bridge.received(client_id, message)
