"""One device's MQTT session on the worker's loop (gmqtt: asyncio-native, a protocol per socket).

gmqtt keeps QoS 1 PUBLISHes in a per-client store until their PUBACK; a store that counts
removals tells the worker how many the broker acknowledged. Clients speak MQTT 3.1.1 with a
clean session, as OLT devices do.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from typing import Any

from gmqtt import Client
from gmqtt.mqtt.constants import MQTTv311
from gmqtt.storage import PersistentStorage

from simulator.fleets.counters import Counters
from simulator.fleets.manifest import Credential

log = logging.getLogger(__name__)
KEEPALIVE = 60
QOS = 1
logging.getLogger("gmqtt").setLevel(logging.WARNING)  # gmqtt logs every refused or lost connection at INFO


class CountingStorage(PersistentStorage):
    """gmqtt's in-flight store, counting the PUBACKs that empty it."""

    def __init__(self, counters: Counters) -> None:
        super().__init__()
        self.counters = counters

    def remove_message_by_mid(self, mid: int) -> None:
        if mid in self._messages:
            self.counters.acked += 1
        super().remove_message_by_mid(mid)


class DeviceConnection:
    def __init__(
        self,
        credential: Credential,
        counters: Counters,
        tls: ssl.SSLContext | None,
        on_message: Callable[[str, bytes], None],
    ) -> None:
        self.credential, self.counters, self.tls = credential, counters, tls
        self.client = Client(
            f"fleet-{credential.device_id}", clean_session=True, persistent_storage=CountingStorage(counters)
        )
        self.client.set_config({"reconnect_retries": 10, "reconnect_delay": 2})
        if credential.username is not None:
            self.client.set_auth_credentials(credential.username, credential.password)
        self.client.on_message = self._message
        self.client.on_connect = self._connected
        self.on_message = on_message
        self.topics = [f"devices/{credential.device_id}/actions", f"devices/{credential.device_id}/configuration"]

    async def open(self, host: str, port: int, timeout: float) -> bool:
        try:
            await asyncio.wait_for(
                self.client.connect(host, port, ssl=self.tls or False, keepalive=KEEPALIVE, version=MQTTv311), timeout
            )
        except Exception as error:  # OSError, TimeoutError, SSLError or gmqtt's own refusal
            log.info("device %s: no session (%r)", self.credential.device_id, error)
            self.counters.refused += 1
            return False
        return True

    @property
    def live(self) -> bool:
        connection = self.client._connection
        return connection is not None and self.client.is_connected

    def publish(self, topic: str, payload: bytes) -> bool:
        if not self.live:
            return False
        self.client.publish(topic, payload, qos=QOS)
        self.counters.sent += 1
        return True

    async def close(self) -> None:
        if self.client._connection is not None:
            try:
                await asyncio.wait_for(self.client.disconnect(), 5)
            except Exception as error:  # closing: a dead socket has nothing more to say
                log.debug("device %s: disconnect failed (%r)", self.credential.device_id, error)

    def _connected(self, client: Any, flags: Any, rc: Any, properties: Any) -> None:
        self.counters.connected += 1
        for topic in self.topics:
            client.subscribe(topic, qos=QOS)

    def _message(self, client: Any, topic: str, payload: bytes, qos: int, properties: Any) -> int:
        self.counters.downlink += 1
        self.on_message(topic, bytes(payload))
        return 0


def tls_context(credential: Credential, ca_pem: str | None, folder: Any) -> ssl.SSLContext:
    """A client context with the device's certificate (files in `folder`, 0600: ssl loads only files)."""
    cert_file, key_file = folder / f"{credential.device_id}.pem", folder / f"{credential.device_id}.key"
    cert_file.write_text(credential.cert_pem or "")
    key_file.touch(mode=0o600)
    key_file.write_text(credential.key_pem or "")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    if ca_pem:
        context.load_verify_locations(cadata=ca_pem)
    else:
        context.load_default_certs()
    context.load_cert_chain(cert_file, key_file)
    context.set_alpn_protocols(["mqttv311"])
    return context
