"""Virtual devices as real MQTT clients of the simulator's broker (over loopback).

Each device that is not behind a gateway gets its own paho client (mqtt_host.py), with a client
certificate registered through the certificates backend (MQTTS) or its per-device password
(plain port). A gateway's client also subscribes to the topics of the devices it connects and
publishes for them with `deviceId`, as OLT gateways do. Downlink messages come back to the
simulator's loop and go to reactions.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import ssl
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.core.clock import iso
from simulator.scenario.credentials import issue_certificate
from simulator.scenario.links import DATA, EVENT
from simulator.scenario.mqtt_host import DeviceHost, HostedClient
from simulator.scenario.reactions import react_to_downlink

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.scenario.device import VirtualDevice
    from simulator.scenario.runner import ScenarioRunner

log = logging.getLogger(__name__)
QOS = 1
#: Raw payloads only a socket can carry: not JSON at all, and JSON without the required `type`.
RAW_MALFORMED = ((DATA, b"{not json"), (DATA, b'{"value": {"malformed": true}}'))


class MqttLink:
    via_bus = False

    def __init__(self, sim: Simulator, runner: ScenarioRunner) -> None:
        self.sim, self.runner = sim, runner
        self.loop = asyncio.get_running_loop()  # the simulator's: callbacks come back here
        info = sim.info
        self.hostname = str(info.get("mqttHost") or sim.settings.host)
        self.plain_port: int | None = info.get("mqttPort")
        self.tls_port: int | None = info.get("mqttsPort")
        self.ca_path: str | None = info.get("caPemPath")
        self.host = DeviceHost()
        self.clients: dict[str, HostedClient] = {}  # by device id (devices behind a gateway have none)
        self.online: dict[str, bool] = {}  # sessions up, as the host last reported them
        self.wanted: set[str] = set()  # devices the scenario keeps connected (set here, on this loop)
        self.folder = Path(tempfile.mkdtemp(prefix="olt-sim-devices-"))

    # ------------------------------------------------------------------ setup

    def attach(self, device: VirtualDevice) -> None:
        device.link = self
        if device.gateway is not None:
            gateway = self.clients.get(device.sender.device_id)
            if gateway is not None:
                gateway.subscriptions += _topics(device.device_id)
            return
        username = password = None
        tls = None
        if device.fleet.spec.auth == "certificate" and self.tls_port is not None:
            tls = self._tls_context(device)
            port = self.tls_port
        elif self.plain_port is not None:
            username, password = device.device_id, self.sim.devices.mqtt_password(device.device_id)
            port = self.plain_port
        else:
            tls, port = self._tls_context(device), self.tls_port or 0
        device_id = device.device_id
        client = HostedClient(
            self.host,
            device_id,
            (self.hostname, port),
            username=username,
            password=password,
            tls=tls,
            on_message=lambda topic, data: self._hop(self._downlink, topic, data),
            on_state=lambda up: self._hop(self._state, device_id, up),
        )
        client.subscriptions = _topics(device_id)
        self.clients[device_id] = client

    def _hop(self, fn: Any, *args: Any) -> None:
        """From the host thread back to the simulator's loop."""
        self.loop.call_soon_threadsafe(fn, *args)

    def _tls_context(self, device: VirtualDevice) -> ssl.SSLContext:
        tenant = self.sim.tenants.get_tenant(device.tenant_id).name
        name = self.sim.devices.get_device(device.tenant_id, device.device_id).name
        cert_pem, key_pem = issue_certificate(tenant, name, device.rng, self.sim.clock.now())
        self.sim.certificates.create_certificate(device.tenant_id, device.device_id, cert_pem)
        cert_file, key_file = self.folder / f"{device.device_id}.pem", self.folder / f"{device.device_id}.key"
        cert_file.write_text(cert_pem)
        key_file.write_text(key_pem)
        key_file.chmod(0o600)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        if self.ca_path:
            context.load_verify_locations(self.ca_path)
        else:
            context.verify_mode = ssl.CERT_NONE
        context.load_cert_chain(cert_file, key_file)
        context.set_alpn_protocols(["mqttv311"])
        return context

    # ------------------------------------------------------------------ connection

    # A session dropped on purpose is down from that moment on this loop: the host's report of it
    # crosses threads later, and until then the device must neither count as connected nor publish.

    def connect(self, device: VirtualDevice) -> None:
        client = self.clients.get(device.device_id)
        if client is not None:
            self.wanted.add(device.device_id)
            self.host.submit(client.open)

    def disconnect(self, device: VirtualDevice) -> None:
        client = self.clients.get(device.device_id)
        if client is not None:
            self.wanted.discard(device.device_id)
            self.online[device.device_id] = False
            self.host.submit(client.close)

    def reconnect(self, device: VirtualDevice) -> None:
        client = self.clients.get(device.device_id)
        if client is not None:
            self.online[device.device_id] = False
            self.host.submit(client.reopen)

    def connected(self, device: VirtualDevice) -> bool:
        return self.online.get(device.sender.device_id, False)

    def _state(self, device_id: str, up: bool) -> None:
        if self.runner.current():
            up = up and device_id in self.wanted  # a late "up" of a session closed since stays down
            self.online[device_id] = up
            if up:
                self.runner.connected(device_id)

    def close(self) -> None:
        self.host.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # ------------------------------------------------------------------ messages

    def _send(self, device: VirtualDevice, topic: str, body: dict[str, Any] | bytes) -> bool:
        client = self.clients.get(device.sender.device_id)
        if client is None or not self.online.get(device.sender.device_id, False):
            return False  # no session: the message never leaves the device
        if isinstance(body, dict):
            if device.gateway is not None:
                body["deviceId"] = device.address
            payload = json.dumps(body, separators=(",", ":")).encode()
        else:
            payload = body
        self.host.submit(client.publish, topic, payload, QOS)
        return True

    def data(self, device: VirtualDevice, kind: str, value: dict[str, Any]) -> bool:
        return self._send(device, DATA, {"type": kind, "value": value, "time": iso(self.sim.clock.now())})

    def event(self, device: VirtualDevice, event_type: str, value: dict[str, Any]) -> bool:
        return self._send(device, EVENT, {"type": event_type, "value": value, "createdAt": iso(self.sim.clock.now())})

    def malformed(self, device: VirtualDevice) -> bool:
        variants = device.fleet.malformed
        pick = device.rng.randrange(len(variants) + len(RAW_MALFORMED))
        if pick < len(variants):
            topic, kind, value = variants[pick]
            return self._send(device, topic, {"type": kind, "value": value})
        topic, raw = RAW_MALFORMED[pick - len(variants)]
        return self._send(device, topic, raw)

    def _downlink(self, topic: str, data: bytes) -> None:
        parts = topic.split("/")
        if len(parts) != 3 or parts[0] != "devices":
            return
        device = self.runner.by_id.get(parts[1])
        if device is not None and self.runner.current():
            react_to_downlink(device, parts[2], data)


def _topics(device_id: str) -> list[str]:
    return [f"devices/{device_id}/actions", f"devices/{device_id}/configuration"]
