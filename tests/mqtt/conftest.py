"""MQTT test helpers: devices and certificates made through the API, real clients over loopback.

Certificates are made the way device owners make them (openssl, prime256v1, self-signed,
arbitrary subject); clients are paho-mqtt and Debian's mosquitto_pub / mosquitto_sub.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from simulator.testing import SimHandle

SCHEMA: dict[str, Any] = {
    "attributes": {"temperature": {"type": "number"}, "label": {"type": "string"}},
    "configuration": {"brightness": {"type": "integer", "minimum": 0, "maximum": 100}},
    "events": {"overheated": {"type": "object", "properties": {"temperature": {"type": "number"}}}},
    "actions": {"blink": {"type": "object", "properties": {"times": {"type": "integer"}}}},
}
RULES = [{"path": "$.attributes.temperature", "reportTo": ["timeseries"]}]
TEMPERATURE = "$.attributes.temperature"
TIMEOUT = 30.0  # generous: only a failing test waits it out, and CI machines are loaded


def wait_for(predicate: Callable[[], Any], timeout: float = TIMEOUT, what: str = "condition") -> Any:
    """Poll `predicate` until it returns something truthy (short steps, no long sleeps)."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


@dataclass
class DeviceCert:
    cert: Path
    key: Path
    pem: str
    id: str = ""


def make_certificate(directory: Path, name: str, subject: str = "/O=My-Tenant/CN=My-Device") -> DeviceCert:
    """As every OLT example does it: an EC prime256v1 key and a self-signed certificate."""
    key, cert = directory / f"{name}-key.pem", directory / f"{name}-cert.pem"
    subprocess.run(
        ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-out", str(key)], check=True, capture_output=True
    )
    subprocess.run(
        ["openssl", "req", "-new", "-x509", "-days", "365", "-key", str(key), "-out", str(cert), "-subj", subject],
        check=True,
        capture_output=True,
    )
    return DeviceCert(cert, key, cert.read_text())


class Platform:
    """The tenant's side: device types, devices and certificates through the REST API."""

    def __init__(self, sim: SimHandle, directory: Path) -> None:
        self.sim, self.directory = sim, directory
        self.api: httpx.Client = sim.client()
        self._count = 0

    def device_type(self, schema: dict[str, Any] | None = None) -> str:
        body = {"name": "Lamp", "schema": schema or SCHEMA, "reportingRules": RULES}
        response = self.api.post("/device-types", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def device(self, type_id: str, name: str = "lamp", **info: Any) -> str:
        body: dict[str, Any] = {"info": {"name": name, "deviceTypeId": type_id, **info}}
        response = self.api.post("/devices", json=body)
        assert response.status_code == 201, response.text
        return str(response.json()["data"]["id"])

    def certificate(self, device_id: str | None, status: str = "valid") -> DeviceCert:
        """A new certificate, registered to `device_id` unless None."""
        self._count += 1
        made = make_certificate(self.directory, f"device{self._count}")
        if device_id is not None:
            response = self.api.post(f"/devices/{device_id}/certificates", json={"cert": made.pem, "status": status})
            assert response.status_code == 201, response.text
            made.id = response.json()["data"]["id"]
        return made

    def state(self, device_id: str) -> dict[str, Any]:
        response = self.api.get(f"/devices/{device_id}/state")
        assert response.status_code == 200, response.text
        return dict(response.json()["data"])

    def timeseries(self, device_id: str, path: str = TEMPERATURE) -> list[dict[str, Any]]:
        response = self.api.get(f"/devices/{device_id}/last-timeseries", params={"path": path})
        assert response.status_code == 200, response.text
        return list(response.json()["data"])

    def diagnostics(self, device_id: str) -> list[dict[str, Any]]:
        response = self.api.get(f"/devices/{device_id}/last-diagnostics")
        assert response.status_code == 200, response.text
        return list(response.json()["data"])


class Device:
    """A paho-mqtt client as device code uses it (MQTT 3.1.1, TLS with its own certificate)."""

    def __init__(
        self,
        sim: SimHandle,
        cert: DeviceCert | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        client_id: str = "",
    ) -> None:
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=paho.MQTTv311)
        port = sim.mqtts_port if cert is not None else sim.mqtt_port
        assert port, "the broker is not running"
        self.port: int = port
        if cert is not None:
            assert sim.ca_pem_path
            self.client.tls_set(ca_certs=sim.ca_pem_path, certfile=str(cert.cert), keyfile=str(cert.key))
        if username is not None:
            self.client.username_pw_set(username, password)
        self.messages: queue.Queue[tuple[str, dict[str, Any], int]] = queue.Queue()
        self.connack: queue.Queue[int] = queue.Queue()
        self.disconnected = threading.Event()
        self.subacks: queue.Queue[list[int]] = queue.Queue()
        self.client.on_connect = lambda c, u, f, rc, p: self.connack.put(_connack_code(rc))
        self.client.on_disconnect = lambda c, u, f, rc, p: self.disconnected.set()
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, json.loads(m.payload), m.qos))
        self.client.on_subscribe = lambda c, u, mid, codes, p: self.subacks.put([int(code.value) for code in codes])

    def connect(self) -> int:
        """CONNECT and wait for the CONNACK; returns its MQTT 3.1.1 return code (0 = accepted, 5 = not authorised)."""
        self.client.reconnect_delay_set(30, 30)  # a dropped client must not come back during a test
        self.client.connect("127.0.0.1", self.port, keepalive=30)
        deadline = time.monotonic() + TIMEOUT
        while self.connack.empty() and time.monotonic() < deadline:  # no network thread for a refused client
            self.client.loop(timeout=0.01)
        code = self.connack.get_nowait()
        if code == 0:
            self.disconnected.clear()
            self.client.loop_start()
        return code

    def subscribe(self, topic: str, qos: int = 1) -> list[int]:
        self.client.subscribe(topic, qos)
        return self.subacks.get(timeout=TIMEOUT)

    def publish(self, topic: str, payload: Any, qos: int = 1, retain: bool = False) -> None:
        data = payload if isinstance(payload, bytes | str) else json.dumps(payload)
        info = self.client.publish(topic, data, qos=qos, retain=retain)
        info.wait_for_publish(TIMEOUT)

    def next_message(self, timeout: float = TIMEOUT) -> tuple[str, dict[str, Any], int]:
        return self.messages.get(timeout=timeout)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _connack_code(reason: Any) -> int:
    """paho 2 turns a 3.1.1 CONNACK code into an MQTT 5 reason; map the two we care about back."""
    if not reason.is_failure:
        return 0
    return 5 if reason.value == 135 else int(reason.value)


@pytest.fixture
def platform(olt_sim_server: SimHandle, tmp_path: Path) -> Platform:
    return Platform(olt_sim_server, tmp_path)


@pytest.fixture
def devices(olt_sim_server: SimHandle) -> Iterator[Callable[..., Device]]:
    """Factory of connected-or-not device clients; all are closed after the test."""
    made: list[Device] = []

    def factory(cert: DeviceCert | None = None, **kwargs: Any) -> Device:
        device = Device(olt_sim_server, cert, **kwargs)
        made.append(device)
        return device

    yield factory
    for device in made:
        device.close()


def mosquitto_tls(sim: SimHandle, cert: Any) -> list[str]:
    """mosquitto_pub/sub arguments for the MQTTS port with a device's registered certificate, QoS 1."""
    return ["-h", "127.0.0.1", "-p", str(sim.mqtts_port), "-V", "mqttv311", "--cafile", str(sim.ca_pem_path),
            "--cert", str(cert.cert), "--key", str(cert.key), "-q", "1"]  # fmt: skip
