"""A device with a registered certificate connects over MQTTS unchanged after the server restarts
on the same state dir (the certificate lives in the saved world, the CA beside it)."""

from __future__ import annotations

import socket
import ssl
from pathlib import Path

import httpx

from simulator.persistence import serving
from simulator.runtime import Simulator
from simulator.server import ThreadedServer
from simulator.settings import Settings
from tests.mqtt.conftest import RULES, SCHEMA, TIMEOUT, make_certificate

CONNECT = b"\x10\x0d\x00\x04MQTT\x04\x02\x00\x3c\x00\x01x"  # MQTT 3.1.1, clean session, client id "x"
CONNACK_ACCEPTED = b"\x20\x02\x00\x00"


def start(state_dir: Path) -> tuple[Simulator, ThreadedServer, list[str]]:
    sim = Simulator(Settings(port=0, mqtt_port=None, mqtts_port=0, clock="manual", state_dir=state_dir))
    lines = serving.attach(sim, state_dir, fresh=False, interval=0.2)
    server = ThreadedServer(sim).start()
    return sim, server, lines


def connack(sim: Simulator, cert: Path, key: Path) -> bytes:
    context = ssl.create_default_context(cafile=sim.info["caPemPath"])
    context.load_cert_chain(cert, key)
    raw = socket.create_connection(("127.0.0.1", sim.info["mqttsPort"]), timeout=TIMEOUT)
    with context.wrap_socket(raw, server_hostname="localhost") as tls:
        tls.sendall(CONNECT)
        return tls.recv(4)


def test_a_certified_device_reconnects_after_a_restart(tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    sim, server, _ = start(state_dir)
    try:
        api = httpx.Client(
            base_url=sim.base_url + "/v1",
            timeout=30,
            headers={"Authorization": f"Bearer {sim.token_for_user('owner@example.com')}"},
        )
        type_id = api.post("/device-types", json={"name": "L", "schema": SCHEMA, "reportingRules": RULES}).json()[
            "data"
        ]["id"]
        device_id = api.post("/devices", json={"info": {"name": "lamp", "deviceTypeId": type_id}}).json()["data"]["id"]
        made = make_certificate(tmp_path, "lamp")
        assert (
            api.post(f"/devices/{device_id}/certificates", json={"cert": made.pem, "status": "valid"}).status_code
            == 201
        )
        assert connack(sim, made.cert, made.key) == CONNACK_ACCEPTED
        server.loop_thread.run(sim.persister.save())
    finally:
        server.stop()

    sim, server, lines = start(state_dir)
    try:
        assert lines == [f"resumed world from {state_dir} (1 devices, 0 points)"]
        assert connack(sim, made.cert, made.key) == CONNACK_ACCEPTED
    finally:
        server.stop()
