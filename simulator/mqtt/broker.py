"""The embedded amqtt broker: two listeners on the simulator's loop, bridged to the backends.

We bind the sockets ourselves (port 0 = a free port) and hand each connection to amqtt as an
"external" listener, through connection.py (TLS with any client certificate, packet size limit,
CONNECT deadline). Only our bridge plugin is loaded: amqtt's default plugins
cost about half its throughput and we use none of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from amqtt.adapters import ReaderAdapter, WriterAdapter
from amqtt.contexts import BrokerConfig, ListenerConfig, ListenerType

from simulator.faults.mqtt import ConnackWriter
from simulator.mqtt.bridge import Bridge, BridgePlugin
from simulator.mqtt.ca import ca_for
from simulator.mqtt.connection import serve_connection
from simulator.mqtt.ingest_path import IngestBroker
from simulator.mqtt.tls import mqtts_context

if TYPE_CHECKING:
    from simulator.runtime import Simulator

log = logging.getLogger(__name__)
PLAIN, SECURE = "default", "mqtts"  # amqtt requires a listener named "default"
MAX_QOS = 1  # QoS 2 subscriptions are granted QoS 1 (facts F.1 default)


def broker_config(bridge: Bridge, names: dict[str, str]) -> BrokerConfig:
    listeners = {name: ListenerConfig(type=ListenerType.EXTERNAL, bind=bind) for name, bind in names.items()}
    listeners.setdefault(PLAIN, ListenerConfig(type=ListenerType.EXTERNAL, bind="unused"))
    plugin = f"{BridgePlugin.__module__}.{BridgePlugin.__qualname__}"
    config = BrokerConfig(listeners=listeners, plugins={plugin: {"bridge": bridge}})
    setattr(config, "max_qos", MAX_QOS)  # read by amqtt as config "max-qos" when granting subscriptions  # noqa: B010
    return config


class MqttService:
    """The broker, its listening servers and the bridge; `start()` fills `sim.info` with the ports."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.bridge = Bridge(sim)
        self.broker: IngestBroker | None = None
        self.servers: dict[str, asyncio.Server] = {}
        self.ports: dict[str, int] = {}
        self._connections: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        settings = self.sim.settings
        host = settings.host
        if settings.mqtt_port is not None:
            self.servers[PLAIN] = await self._serve(PLAIN, host, settings.mqtt_port, None)
        if settings.mqtts_port is not None:
            ca = ca_for(self.sim)
            self.servers[SECURE] = await self._serve(SECURE, host, settings.mqtts_port, mqtts_context(ca))
        for name, server in self.servers.items():
            self.ports[name] = server.sockets[0].getsockname()[1]
        config = broker_config(self.bridge, {n: f"{host}:{p}" for n, p in self.ports.items()})
        self.broker = IngestBroker(config, self.bridge.uplink)
        await self.broker.start()
        self.bridge.attach(self.broker)
        for server in self.servers.values():
            await server.start_serving()
        self.sim.mqtt_service = self
        self.sim.info.update(self.describe())
        self.sim.info.setdefault("banner", []).extend(self.banner())

    async def _serve(self, name: str, host: str, port: int, tls_context: Any) -> asyncio.Server:
        return await asyncio.start_server(
            partial(self._connected, name, tls_context),
            host,
            port,
            reuse_address=True,
            backlog=4096,
            start_serving=False,
        )

    async def _connected(
        self, listener: str, tls_context: Any, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._connections.add(task)

        async def serve(packets: ReaderAdapter, out: WriterAdapter) -> None:
            if self.broker is not None:
                refusing = ConnackWriter(out, self.bridge.faults.refusals)  # faults choose CONNACK codes
                await self.broker.external_connected(packets, refusing, listener)

        try:
            await serve_connection(reader, writer, tls_context, serve, self.bridge.oversized)
        except Exception:
            log.exception("MQTT connection on %s failed", listener)
        finally:
            writer.close()
            if task is not None:
                self._connections.discard(task)

    def describe(self) -> dict[str, Any]:
        settings = self.sim.settings
        host = settings.host
        shown = f"[{host}]" if ":" in host else host
        info: dict[str, Any] = {"mqttHost": host}
        if PLAIN in self.ports:
            info.update(mqttPort=self.ports[PLAIN], mqttUrl=f"mqtt://{shown}:{self.ports[PLAIN]}")
        if SECURE in self.ports:
            ca = ca_for(self.sim)
            info.update(
                mqttsPort=self.ports[SECURE],
                mqttsUrl=f"mqtts://{shown}:{self.ports[SECURE]}",
                caPemPath=str(ca.ca_pem_path),
            )
            if settings.domain:
                info["mqttsDomainUrl"] = f"mqtts://mqtt.{settings.domain}:{self.ports[SECURE]}"
        return info

    def banner(self) -> list[str]:
        info, domain = self.sim.info, self.sim.settings.domain
        lines = []
        if "mqttUrl" in info:
            lines.append(f"  MQTT:       {info['mqttUrl']} (username = device id, password from GET /_sim/mqtt)")
        if "mqttsUrl" in info:
            lines.append(f"  MQTTS:      {info['mqttsUrl']} (client certificate registered to a device)")
            if domain:
                lines.append(f"              {info['mqttsDomainUrl']}")
            if not self.sim.settings.tls:  # TLS mode has told about the CA already
                lines.append(f"  Local CA:   {info['caPemPath']} (GET /_sim/ca.pem)")
        return lines

    async def stop(self) -> None:
        if self.sim.mqtt_service is self:
            self.sim.mqtt_service = None
        for server in self.servers.values():
            server.close()
        if self.broker is not None:
            with contextlib.suppress(Exception):
                await self.broker.shutdown()
        for task in list(self._connections):
            task.cancel()
        self.bridge.detach()
        for server in self.servers.values():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 5)
        self.servers.clear()


def service_of(sim: Simulator) -> MqttService | None:
    """The running MQTT service of a simulator (tools and tests inspect its broker and bridge)."""
    return sim.mqtt_service


async def start_mqtt(sim: Simulator) -> Callable[[], Awaitable[None]] | None:
    """A server start hook (server.DEFAULT_START_HOOKS): run the broker when at least one MQTT port is configured."""
    if sim.settings.mqtt_port is None and sim.settings.mqtts_port is None:
        return None
    service = MqttService(sim)
    await service.start()
    return service.stop
