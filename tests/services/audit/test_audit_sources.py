"""The audit log hears changes from the domain: HTTP, in-process Python and scenarios alike, once each."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Callable
from typing import Any

import httpx

import simulator.services
from contracts import spec
from simulator.api.not_simulated import NOT_SIMULATED
from simulator.runtime import Simulator
from simulator.scenario import loads
from simulator.scenario.runner import ScenarioRunner
from simulator.services.audit.models import AuditEntry
from simulator.services.devices.inputs import DeviceChanges
from simulator.settings import Settings
from simulator.testing import SimHandle

MakeDevice = Callable[..., dict[str, Any]]
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}


def updates(entries: list[AuditEntry], device_id: str) -> list[AuditEntry]:
    return [e for e in entries if e.action == "device.updated" and e.resource_id == device_id]


def recorders() -> dict[str, list[str]]:
    """operationId -> the backend methods decorated with `records_change` for it."""
    found: dict[str, list[str]] = {}
    seen: set[int] = set()  # an alias (create_device_certificate = create_certificate) is the same method
    for info in pkgutil.walk_packages(simulator.services.__path__, simulator.services.__name__ + "."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            for name, member in vars(cls).items():
                operation = getattr(member, "recorded_operation", None)
                if operation is not None and id(member) not in seen:
                    seen.add(id(member))
                    found.setdefault(operation, []).append(f"{cls.__qualname__}.{name}")
    return found


def test_every_simulated_change_is_recorded_by_exactly_one_backend_method() -> None:
    expected = {
        op.operation_id
        for op in spec.operations()
        if op.method in MUTATING and op.tag != "authentication" and op.operation_id not in NOT_SIMULATED
    }
    found = recorders()
    assert set(found) == expected
    assert {op: where for op, where in found.items() if len(where) != 1} == {}


def test_a_configuration_change_over_http_is_logged_once(olt_sim: SimHandle, make_device: MakeDevice) -> None:
    device = make_device(configuration={"interval": 5})
    response = olt_sim.client().patch(f"/devices/{device['id']}", json={"configuration": {"interval": 9}})
    assert response.status_code == 200
    [entry] = updates(olt_sim.sim.audit.list_audit_logs(olt_sim.tenant_id), device["id"])
    owner = olt_sim.world.users["owner@example.com"]
    assert (entry.user_id, entry.user_email, entry.resource_type) == (owner, "owner@example.com", "devices")


def test_a_configuration_change_in_process_is_logged_once(olt_sim: SimHandle, make_device: MakeDevice) -> None:
    device = make_device(configuration={"interval": 5})
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    olt_sim.call(lambda: sim.devices.update_device(tenant, device["id"], DeviceChanges(configuration={"interval": 9})))
    [entry] = updates(sim.audit.list_audit_logs(tenant), device["id"])
    assert (entry.user_id, entry.user_email) == (None, None)
    assert entry.message == (
        f"The simulator (in-process call) updated device (ID {device['id']}) in tenant (ID {tenant})."
    )
    api = olt_sim.client()
    listed = api.get("/audit-logs", params={"pageSize": 100}).json()["data"]  # the contract allows a null userId
    assert entry.id in {e["id"] for e in listed}


def test_a_failed_change_is_not_logged(olt_sim: SimHandle, make_device: MakeDevice) -> None:
    device = make_device()
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    response = olt_sim.client().patch(f"/devices/{device['id']}", json={"configuration": {"interval": 0}})
    assert response.status_code == 400
    assert updates(sim.audit.list_audit_logs(tenant), device["id"]) == []


def test_a_change_made_of_changes_is_logged_once(olt_sim: SimHandle) -> None:
    """PUT /notifications/{id} runs the PATCH code: one change, named after the outer operation."""
    api = olt_sim.client()
    template = {"channel": "email", "recipients": ["ops@example.com"], "subject": "Alert", "body": "Device event"}
    body = {"notificationTemplate": template, "notificationFilter": {}, "active": True}
    created = api.post("/notifications", json=body)
    assert created.status_code == 201, created.text
    notification = created.json()["data"]
    assert api.put(f"/notifications/{notification['id']}", json=body).status_code == 200
    actions = [e.action for e in olt_sim.sim.audit.list_audit_logs(olt_sim.tenant_id)]
    assert actions == ["notification.replaced", "notification.created"]


SCENARIO = """
[scenario]
name = "audited"
seed = 1

[[timeline]]
at = "2m"
do = "configure"
fleet = "lamps"
configuration = { level = 3 }

[fleets.lamps]
device_type = "lamp"
count = 1
every = "1m"

[device_types.lamp]
name = "Lamp"
schema.configuration.level = { type = "integer" }
"""


def test_a_scenario_configuration_change_is_logged_once_and_readings_are_not() -> None:
    sim = Simulator(Settings(clock="stepped", seed=1))
    runner = ScenarioRunner(sim, loads(textwrap.dedent(SCENARIO))).start()
    runner.run_until(runner.t0 + 600)
    device = runner.fleets["lamps"].devices[0]
    assert runner.stats.total("messages") > 0
    entries = sim.audit.list_audit_logs(device.tenant_id)
    [update] = updates(entries, device.device_id)
    assert update.message.startswith("Scenario audited updated device")
    assert [e.action for e in entries if e.action != "device.updated"] == ["device.created", "device_type.created"]


def test_ingest_is_logged_for_a_caller_but_not_for_device_telemetry(
    olt_sim: SimHandle, make_device: MakeDevice
) -> None:
    device = make_device()
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    value = {"temperature": 21}

    def report() -> None:
        sim.ingest.ingest_data(tenant, sender_id=device["id"], device_id=device["id"], kind="attributes", value=value)

    olt_sim.call(report)  # what the MQTT bridge and in-process virtual devices do
    assert [e.action for e in sim.audit.list_audit_logs(tenant) if e.action.endswith("ingested")] == []
    api: httpx.Client = olt_sim.client()
    body = {"senderId": device["id"], "deviceId": device["id"], "type": "attributes", "value": value}
    assert api.post("/data-ingest", json=body).status_code == 202
    assert [e.action for e in sim.audit.list_audit_logs(tenant) if e.action.endswith("ingested")] == ["data.ingested"]
