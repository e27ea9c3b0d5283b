"""Provision a scenario's fleets on any OLT-compatible endpoint over its public REST API.

Device types and devices are created with the tenant's token, as any integration would; each
device gets a client certificate registered through `POST /devices/{id}/certificates` (TLS:
works against a staging deployment too) or, against the simulator, its MQTT password from
`/_sim/mqtt`. Against the simulator the token, the broker's address and its CA come from
`/_sim` when not given.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from faker import Faker

from simulator.fleets.manifest import Credential, Manifest
from simulator.scenario.credentials import issue_certificate
from simulator.scenario.fleet import device_type_body
from simulator.scenario.loader import load_scenario
from simulator.scenario.templates import FakerFields, render

SIM_OWNER = "owner@example.com"


class RemoteError(RuntimeError):
    """The target refused or could not answer (message says which request)."""


def _check(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code >= 400:
        raise RemoteError(f"{what}: HTTP {response.status_code} {response.text[:300]}")
    body: dict[str, Any] = response.json() if response.content else {}
    return body


def sim_token(target: str) -> str:
    """The owner's token from a simulator's `/_sim/tokens` (what `olt-sim token` does)."""
    try:
        response = httpx.post(f"{target}/_sim/tokens", json={"user": SIM_OWNER}, timeout=30)
    except httpx.HTTPError as error:
        raise RemoteError(f"{target}: {error}") from error
    if response.status_code != 200:
        raise RemoteError(f"{target} is not a simulator (no /_sim/tokens): give --token")
    return str(response.json()["access_token"])


def sim_mqtt(target: str) -> dict[str, Any]:
    """The simulator's `/_sim/mqtt`: broker address, ports and the plain port's credentials."""
    return _check(httpx.get(f"{target}/_sim/mqtt", timeout=120), "GET /_sim/mqtt")


def remote_manifest(
    scenario_path: Path,
    target: str,
    *,
    token: str | None = None,
    mqtt: tuple[str, int] | None = None,
    tls: bool = False,
    ca_pem: str | None = None,
    seconds: float = 60.0,
    every: float | None = None,
    count: int | None = None,
) -> Manifest:
    """Create the scenario's directly connected fleets on `target` and return the devices' manifest."""
    target = target.rstrip("/")
    scenario = load_scenario(scenario_path)
    token = token or sim_token(target)
    rng = random.Random(scenario.info.seed)
    faker = Faker("en_US")
    faker.seed_instance(scenario.info.seed)
    fields = FakerFields(faker)
    now = datetime.now(UTC)  # certificate validity: a remote broker checks it against real time
    credentials: list[Credential] = []
    with httpx.Client(base_url=f"{target}/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60) as api:
        types: dict[str, str] = {}
        for name, spec in scenario.fleets.items():
            if spec.connected_by:
                continue  # sub-devices report through their gateway's session
            if spec.device_type not in types:
                body = device_type_body(scenario.device_types[spec.device_type])
                made = _check(api.post("/device-types", json=body), "POST /device-types")
                types[spec.device_type] = made["data"]["id"]
            for index in range(spec.count if count is None else count):
                env = {"n": index + 1, "i": index, "count": spec.count, "fleet": name, "faker": fields}
                device_info = {"name": render(spec.name, env), "deviceTypeId": types[spec.device_type]}
                device = _check(api.post("/devices", json={"info": device_info}), "POST /devices")["data"]
                if not tls:
                    credentials.append(Credential(device["id"], name, index))
                    continue
                cert_pem, key_pem = issue_certificate("fleet", device_info["name"], rng, now)
                certificate = {"cert": cert_pem, "status": "valid"}
                _check(api.post(f"/devices/{device['id']}/certificates", json=certificate), "POST certificates")
                credentials.append(Credential(device["id"], name, index, cert_pem=cert_pem, key_pem=key_pem))
    info: dict[str, Any] = {}
    if not tls or mqtt is None:
        info = sim_mqtt(target)
    if not tls:
        passwords = {c["deviceId"]: c["password"] for c in info.get("credentials", [])}
        credentials = [_with_password(c, passwords) for c in credentials]
    if mqtt is None:
        port = info.get("mqttsPort" if tls else "mqttPort")
        if port is None:
            raise RemoteError(f"{target} has no {'MQTTS' if tls else 'plain MQTT'} listener: give --mqtt HOST:PORT")
        mqtt = (urlsplit(target).hostname or str(info.get("mqttHost", "127.0.0.1")), int(port))  # the machine we reach
    if tls and ca_pem is None:
        response = httpx.get(f"{target}/_sim/ca.pem", timeout=30)
        ca_pem = response.text if response.status_code == 200 else None  # else: the system's trusted CAs
    return Manifest(
        str(scenario_path),
        mqtt[0],
        mqtt[1],
        credentials,
        tls=tls,
        ca_pem=ca_pem,
        seconds=seconds,
        every=every,
        seed=scenario.info.seed,
    )


def _with_password(credential: Credential, passwords: dict[str, str]) -> Credential:
    password = passwords.get(credential.device_id)
    if password is None:
        raise RemoteError(f"no MQTT password for device {credential.device_id} at /_sim/mqtt: use --tls")
    return Credential(credential.device_id, credential.fleet, credential.index, credential.device_id, password)
