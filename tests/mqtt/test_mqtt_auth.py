"""Device authentication on MQTTS: any self-signed certificate passes TLS, the registered `valid`
fingerprint names the device, anything else is refused at CONNECT; invalidation drops sessions."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

import pytest

from simulator.testing import SimHandle
from tests.mqtt.conftest import TIMEOUT, Device, DeviceCert, Platform, wait_for

CONNECT = b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01x"  # MQTT 3.1.1, clean session, client id "x"
CONNACK_ACCEPTED = b"\x20\x02\x00\x00"


@pytest.fixture
def type_id(platform: Platform) -> str:
    return platform.device_type()


def test_the_registered_fingerprint_names_the_device_whatever_the_subject(
    platform: Platform, devices: Callable[..., Device], type_id: str
) -> None:
    first, second = platform.device(type_id, "first"), platform.device(type_id, "second")
    for device_id, temperature in ((first, 1), (second, 2)):
        client = devices(platform.certificate(device_id))  # both certificates: /O=My-Tenant/CN=My-Device
        assert client.connect() == 0
        client.publish("data-ingest", {"type": "attributes", "value": {"temperature": temperature}})
    wait_for(lambda: platform.state(first)["attributes"] == {"temperature": 1}, what="first device's report")
    wait_for(lambda: platform.state(second)["attributes"] == {"temperature": 2}, what="second device's report")


@pytest.mark.parametrize("status", ["revoked", "inactive", "expired"])
def test_certificates_not_valid_are_refused_at_connect(
    platform: Platform, devices: Callable[..., Device], type_id: str, status: str
) -> None:
    assert devices(platform.certificate(platform.device(type_id), status=status)).connect() == 5


def test_an_unregistered_certificate_is_refused_at_connect(platform: Platform, devices: Callable[..., Device]) -> None:
    assert devices(platform.certificate(None)).connect() == 5


def _tls_socket(sim: SimHandle, cert: DeviceCert | None, alpn: list[str] | None = None) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=sim.ca_pem_path)
    if cert is not None:
        context.load_cert_chain(cert.cert, cert.key)
    if alpn:
        context.set_alpn_protocols(alpn)
    raw = socket.create_connection(("127.0.0.1", sim.mqtts_port or 0), timeout=TIMEOUT)
    return context.wrap_socket(raw, server_hostname="localhost")


def test_alpn_mqttv311_is_accepted(olt_sim_server: SimHandle, platform: Platform, type_id: str) -> None:
    cert = platform.certificate(platform.device(type_id))
    with _tls_socket(olt_sim_server, cert, ["mqttv311"]) as tls:
        assert tls.selected_alpn_protocol() == "mqttv311"
        tls.sendall(CONNECT)
        assert tls.recv(4) == CONNACK_ACCEPTED


def test_a_client_without_a_certificate_fails_the_tls_handshake(olt_sim_server: SimHandle) -> None:
    with pytest.raises((ssl.SSLError, ConnectionError)), _tls_socket(olt_sim_server, None) as tls:
        tls.sendall(CONNECT)  # TLS 1.3: the server's refusal arrives after the client's Finished
        if not tls.recv(4):
            raise ConnectionError("closed without a CONNACK")


def _revoke(platform: Platform, device_id: str, cert: DeviceCert) -> None:
    response = platform.api.patch(f"/devices/{device_id}/certificates/{cert.id}", json={"status": "revoked"})
    assert response.status_code == 200, response.text


def _delete_certificate(platform: Platform, device_id: str, cert: DeviceCert) -> None:
    response = platform.api.delete(f"/devices/{device_id}/certificates/{cert.id}")
    assert response.status_code == 204, response.text


def _delete_device(platform: Platform, device_id: str, cert: DeviceCert) -> None:
    response = platform.api.delete(f"/devices/{device_id}")
    assert response.status_code == 204, response.text


@pytest.mark.parametrize("invalidate", [_revoke, _delete_certificate, _delete_device])
def test_invalidating_a_certificate_drops_its_live_session(
    platform: Platform,
    devices: Callable[..., Device],
    type_id: str,
    invalidate: Callable[[Platform, str, DeviceCert], None],
) -> None:
    device_id, other_id = platform.device(type_id), platform.device(type_id, "bystander")
    cert = platform.certificate(device_id)
    client, bystander = devices(cert), devices(platform.certificate(other_id))
    assert client.connect() == 0 and bystander.connect() == 0
    invalidate(platform, device_id, cert)
    assert client.disconnected.wait(TIMEOUT)
    assert devices(cert).connect() == 5
    bystander.publish("data-ingest", {"type": "attributes", "value": {"temperature": 5}})
    wait_for(lambda: platform.state(other_id)["attributes"] == {"temperature": 5}, what="the bystander's report")
    assert not bystander.disconnected.is_set()


def test_a_reset_world_no_longer_knows_the_session(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], type_id: str
) -> None:
    client = devices(platform.certificate(platform.device(type_id)))
    assert client.connect() == 0
    olt_sim_server.reset()
    client.publish("data-ingest", {"type": "attributes", "value": {"temperature": 5}})
    assert client.disconnected.wait(TIMEOUT)
    assert olt_sim_server.mqtt_messages() == []


def test_client_ids_are_scoped_per_device(
    olt_sim_server: SimHandle, platform: Platform, devices: Callable[..., Device], type_id: str
) -> None:
    """Two devices using the same literal client id (KICKER's 'smartkicker') keep their own sessions."""
    first, second = platform.device(type_id, "first"), platform.device(type_id, "second")
    one = devices(platform.certificate(first), client_id="smartkicker")
    two = devices(platform.certificate(second), client_id="smartkicker")
    assert one.connect() == 0 and two.connect() == 0
    one.publish("data-ingest", {"type": "attributes", "value": {"temperature": 1}})
    two.publish("data-ingest", {"type": "attributes", "value": {"temperature": 2}})
    wait_for(lambda: platform.state(first)["attributes"] == {"temperature": 1}, what="first device's report")
    wait_for(lambda: platform.state(second)["attributes"] == {"temperature": 2}, what="second device's report")
    assert not one.disconnected.is_set() and not two.disconnected.is_set()
    assert {m["clientId"] for m in olt_sim_server.mqtt_messages()} == {"smartkicker"}


def test_a_device_reconnecting_with_its_client_id_replaces_its_old_session(
    platform: Platform, devices: Callable[..., Device], type_id: str
) -> None:
    device_id = platform.device(type_id)
    cert = platform.certificate(device_id)
    old = devices(cert, client_id="lamp")
    assert old.connect() == 0 and old.subscribe(f"devices/{device_id}/configuration") == [1]
    new = devices(cert, client_id="lamp")
    assert new.connect() == 0
    assert old.disconnected.wait(TIMEOUT)
    assert new.subscribe(f"devices/{device_id}/configuration") == [1]
    platform.api.patch(f"/devices/{device_id}", json={"configuration": {"brightness": 3}})
    assert new.next_message()[1]["configuration"] == {"brightness": 3}
    assert old.messages.empty()
