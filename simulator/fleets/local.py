"""A manifest for a simulator in this process: its scenario fleets provisioned through the backends.

Tests and benchmarks use it; `remote.py` does the same over REST for a simulator (or an OLT
deployment) elsewhere. Runs on the simulator's loop (it calls the backends).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

from simulator.core.ids import RandomSource
from simulator.fleets.manifest import Credential, Manifest
from simulator.scenario.credentials import issue_certificate
from simulator.scenario.fleet import provision

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.scenario.schema import Scenario


def local_manifest(
    sim: Simulator,
    scenario: Scenario,
    path: Path,
    *,
    auth: Literal["password", "certificate"] = "password",
    seconds: float = 60.0,
    every: float | None = None,
    host: str = "127.0.0.1",
) -> Manifest:
    """Provision the scenario's directly connected fleets and give every device its credentials."""
    seed = scenario.info.seed
    made = provision(sim, scenario, RandomSource(seed))
    rng = RandomSource(seed).child("fleet-credentials").rng
    credentials: list[Credential] = []
    for fleet, devices in made.devices.items():
        if scenario.fleets[fleet].connected_by:
            continue  # sub-devices report through their gateway's session
        for index, device in enumerate(devices):
            if auth == "password":
                credentials.append(Credential(device.id, fleet, index, device.id, sim.devices.mqtt_password(device.id)))
                continue
            tenant = sim.tenants.get_tenant(device.tenant_id).name
            cert_pem, key_pem = issue_certificate(tenant, device.name, rng, sim.clock.now())
            sim.certificates.create_certificate(device.tenant_id, device.id, cert_pem)
            credentials.append(Credential(device.id, fleet, index, cert_pem=cert_pem, key_pem=key_pem))
    tls = auth == "certificate"
    port = sim.info["mqttsPort"] if tls else sim.info["mqttPort"]
    ca_pem = Path(sim.info["caPemPath"]).read_text() if tls else None
    return Manifest(
        str(path), host, int(port), credentials, tls=tls, ca_pem=ca_pem, seconds=seconds, every=every, seed=seed
    )
