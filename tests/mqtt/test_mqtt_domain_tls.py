"""Domain/TLS mode: api./id./mqtt.<domain> over HTTPS and MQTTS with the local CA, so a client that
hard-codes the platform's URLs works once it trusts ca.pem and the names resolve to 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as paho
import pytest
from paho.mqtt.enums import CallbackAPIVersion

from simulator.mqtt.ca import LocalCA
from simulator.runtime import Simulator
from simulator.server import ThreadedServer
from simulator.settings import Settings
from simulator.testing import SimHandle
from tests.mqtt.conftest import SCHEMA, TIMEOUT, make_certificate, wait_for

DOMAIN = "olt.test"


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("state")


@pytest.fixture(scope="module")
def tls_sim(state_dir: Path) -> Iterator[SimHandle]:
    settings = Settings(
        host="127.0.0.1",
        port=0,
        mqtt_port=None,
        mqtts_port=0,
        https_port=0,
        tls=True,
        domain=DOMAIN,
        clock="manual",
        state_dir=state_dir,
    )
    server = ThreadedServer(Simulator(settings)).start()
    yield SimHandle(server.sim, server.loop_thread, server.base_url)
    server.stop()


@pytest.fixture
def platform_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the printed /etc/hosts line does, for this process only."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(host, str) and host.endswith("." + DOMAIN):
            host = "127.0.0.1"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


def _port(sim: SimHandle) -> int:
    return int(sim.sim.info["httpsPort"])


def test_urls_name_the_platform_hosts(tls_sim: SimHandle, state_dir: Path) -> None:
    port = _port(tls_sim)
    assert tls_sim.base_url == f"https://api.{DOMAIN}:{port}"
    assert tls_sim.sim.issuer == f"https://id.{DOMAIN}:{port}/v1/id/auth/realms/olt"
    assert tls_sim.ca_pem_path == str(state_dir / "ca.pem")
    banner = "\n".join(tls_sim.sim.info["banner"])
    assert f"127.0.0.1 api.{DOMAIN} id.{DOMAIN} mqtt.{DOMAIN}" in banner
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS", "CURL_CA_BUNDLE"):
        assert f"{variable}={state_dir / 'ca.pem'}" in banner
    assert f"mqtts://mqtt.{DOMAIN}:{tls_sim.mqtts_port}" in banner


def _curl(sim: SimHandle, host: str, path: str, token: str | None = None) -> dict[str, Any]:
    port = _port(sim)
    command = ["curl", "-sS", "--fail", "--resolve", f"{host}:{port}:127.0.0.1", f"https://{host}:{port}{path}"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    env = {**os.environ, "CURL_CA_BUNDLE": str(sim.ca_pem_path)}  # as the banner says
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, env=env)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def test_curl_reaches_api_and_identity_hosts_trusting_the_ca(tls_sim: SimHandle) -> None:
    body = _curl(tls_sim, f"api.{DOMAIN}", "/v1/device-types", tls_sim.token())
    assert body["data"] == []
    discovery = _curl(tls_sim, f"id.{DOMAIN}", "/v1/id/auth/realms/olt/.well-known/openid-configuration")
    assert discovery["issuer"] == tls_sim.sim.issuer


def test_curl_refuses_the_server_without_the_ca(tls_sim: SimHandle) -> None:
    port = _port(tls_sim)
    done = subprocess.run(
        ["curl", "-sS", "--resolve", f"api.{DOMAIN}:{port}:127.0.0.1", f"https://api.{DOMAIN}:{port}/v1/device-types"],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "CURL_CA_BUNDLE": "/dev/null"},
    )
    assert done.returncode != 0


def test_an_unchanged_python_client_works_trusting_only_the_ca(
    tls_sim: SimHandle, platform_names: None, tmp_path: Path
) -> None:
    """A device owner's script: REST on https://api.<platform>/v1, MQTT on mqtt.<platform>:8883."""
    port = _port(tls_sim)
    trust = ssl.create_default_context(cafile=tls_sim.ca_pem_path)  # no system CAs
    headers = {"Authorization": f"Bearer {tls_sim.token()}"}
    with httpx.Client(base_url=f"https://api.{DOMAIN}:{port}/v1", verify=trust, headers=headers) as api:
        type_id = api.post("/device-types", json={"name": "Lamp", "schema": SCHEMA}).json()["data"]["id"]
        device_id = api.post("/devices", json={"info": {"name": "lamp", "deviceTypeId": type_id}}).json()["data"]["id"]
        cert = make_certificate(tmp_path, "device")
        registered = api.post(f"/devices/{device_id}/certificates", json={"cert": cert.pem, "status": "valid"})
        assert registered.status_code == 201, registered.text

        client = paho.Client(CallbackAPIVersion.VERSION2, protocol=paho.MQTTv311)
        client.tls_set(ca_certs=tls_sim.ca_pem_path, certfile=str(cert.cert), keyfile=str(cert.key))
        client.connect(f"mqtt.{DOMAIN}", tls_sim.mqtts_port or 0)
        client.loop_start()
        try:
            info = client.publish("data-ingest", json.dumps({"type": "attributes", "value": {"temperature": 20.5}}), 1)
            info.wait_for_publish(TIMEOUT)
            state = wait_for(
                lambda: api.get(f"/devices/{device_id}/state").json()["data"]["attributes"], what="the reported state"
            )
        finally:
            client.disconnect()
            client.loop_stop()
    assert state == {"temperature": 20.5}


def test_the_server_certificate_does_not_cover_other_names(tls_sim: SimHandle) -> None:
    context = ssl.create_default_context(cafile=tls_sim.ca_pem_path)
    with (
        socket.create_connection(("127.0.0.1", _port(tls_sim)), timeout=TIMEOUT) as raw,
        pytest.raises(ssl.SSLCertVerificationError),
    ):
        context.wrap_socket(raw, server_hostname=f"www.{DOMAIN}")


def test_the_ca_is_served_and_kept_in_the_state_directory(tls_sim: SimHandle, state_dir: Path) -> None:
    http_port = tls_sim.sim.info["httpPort"]
    served = httpx.get(f"http://127.0.0.1:{http_port}/_sim/ca.pem")
    assert served.status_code == 200
    assert served.text == (state_dir / "ca.pem").read_text()
    again = LocalCA.load_or_create(state_dir, DOMAIN)  # loaded, not made again
    assert again.ca_pem == served.text
