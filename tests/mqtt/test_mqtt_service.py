"""The broker as a service: free ports when asked for 0, what /_sim tells about it, the local CA."""

from __future__ import annotations

import asyncio
import ipaddress
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from simulator.mqtt.broker import MqttService, start_mqtt
from simulator.mqtt.ca import LocalCA
from simulator.runtime import Simulator
from simulator.settings import Settings
from simulator.testing import SimHandle
from tests.mqtt.conftest import Platform


def test_port_zero_picks_free_ports_shown_on_the_handle_and_in_sim_world(olt_sim_server: SimHandle) -> None:
    assert olt_sim_server.mqtt_port and olt_sim_server.mqtts_port
    assert {olt_sim_server.mqtt_port, olt_sim_server.mqtts_port}.isdisjoint({0, 1883, 8883})
    world = httpx.get(f"{olt_sim_server.base_url}/_sim/world").json()
    assert (world["mqttPort"], world["mqttsPort"]) == (olt_sim_server.mqtt_port, olt_sim_server.mqtts_port)
    assert world["mqttUrl"] == f"mqtt://127.0.0.1:{olt_sim_server.mqtt_port}"


def test_sim_mqtt_lists_ports_and_plain_credentials(olt_sim_server: SimHandle, platform: Platform) -> None:
    device_id = platform.device(platform.device_type())
    info = httpx.get(f"{olt_sim_server.base_url}/_sim/mqtt", params={"deviceId": device_id}).json()
    assert (info["mqttPort"], info["mqttsPort"]) == (olt_sim_server.mqtt_port, olt_sim_server.mqtts_port)
    assert info["caPemUrl"] == "/_sim/ca.pem"
    assert info["credentials"] == [
        {
            "tenantId": olt_sim_server.tenant_id,
            "deviceId": device_id,
            "username": device_id,
            "password": olt_sim_server.mqtt_password(device_id),
        }
    ]
    everyone = httpx.get(f"{olt_sim_server.base_url}/_sim/mqtt").json()["credentials"]
    assert [c["deviceId"] for c in everyone] == [device_id]


def test_the_served_ca_signed_a_server_certificate_for_loopback(olt_sim_server: SimHandle) -> None:
    pem = httpx.get(f"{olt_sim_server.base_url}/_sim/ca.pem")
    assert pem.status_code == 200 and pem.headers["content-type"].startswith("application/x-pem-file")
    ca = x509.load_pem_x509_certificate(pem.content)
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    server = x509.load_pem_x509_certificate((Path(olt_sim_server.ca_pem_path or "").parent / "server.pem").read_bytes())
    server.verify_directly_issued_by(ca)
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["localhost"]
    loopback = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    assert set(names.get_values_for_type(x509.IPAddress)) == loopback


def test_each_state_dir_keeps_its_own_random_ca_key_and_the_domain_hosts_on_the_server_certificate(
    tmp_path: Path,
) -> None:
    first = LocalCA.load_or_create(tmp_path / "a", "example.org")
    again = LocalCA.load_or_create(tmp_path / "a", None)  # same key, re-issued for other names
    other = LocalCA.load_or_create(tmp_path / "c", None)
    key = first.ca_cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    assert key == again.ca_cert.public_key() != other.ca_cert.public_key()
    names = first.server_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    hosts = ["localhost", "api.example.org", "id.example.org", "mqtt.example.org"]
    assert names.get_values_for_type(x509.DNSName) == hosts
    assert (tmp_path / "a" / "ca.pem").read_text() == again.ca_pem


def test_a_listener_set_to_none_is_not_started() -> None:
    async def run() -> tuple[dict[str, int], object]:
        sim = Simulator(Settings(port=0, mqtt_port=0, mqtts_port=None, clock="manual", seed_world=False))
        service = MqttService(sim)
        await service.start()
        try:
            return dict(service.ports), sim.info.get("mqttsPort")
        finally:
            await service.stop()

    ports, mqtts = asyncio.run(run())
    assert list(ports) == ["default"] and mqtts is None

    async def disabled() -> object:
        return await start_mqtt(Simulator(Settings(port=0, mqtt_port=None, mqtts_port=None, seed_world=False)))

    assert asyncio.run(disabled()) is None
