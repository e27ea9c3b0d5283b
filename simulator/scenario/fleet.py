"""Provisioning: tenants, users, device types and devices of a scenario, made through the backends.

The same backend methods the HTTP API calls create everything, so a scenario's world is
indistinguishable from one built over REST. Names, aliases and tags come from the templates,
with Faker seeded from the fleet's own random stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from faker import Faker

from simulator.core.errors import SimError
from simulator.core.ids import RandomSource
from simulator.scenario import schema
from simulator.scenario.checks import DEFAULT_TENANT, fleet_tenant, type_tenant
from simulator.scenario.generators import geo_point
from simulator.scenario.templates import FakerFields, render
from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.inputs import NewDevice

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.services.devices.models import Device


class ProvisioningError(RuntimeError):
    """The backends refused part of the scenario's world (message names the table)."""


@dataclass
class Provisioned:
    tenants: dict[str, str] = field(default_factory=dict)  # name -> id
    device_types: dict[str, str] = field(default_factory=dict)  # scenario key -> id
    devices: dict[str, list[Device]] = field(default_factory=dict)  # fleet -> devices, by index
    gateways: dict[str, list[Device | None]] = field(default_factory=dict)  # fleet -> gateway of each device


def fleet_order(scenario: schema.Scenario) -> list[str]:
    """Fleets with their gateway fleets first."""
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        gateway = scenario.fleets[name].connected_by
        if gateway is not None and gateway in scenario.fleets:
            visit(gateway)
        order.append(name)

    for name in scenario.fleets:
        visit(name)
    return order


def provision(sim: Simulator, scenario: schema.Scenario, random: RandomSource) -> Provisioned:
    made = Provisioned()
    try:
        _tenants(sim, scenario, made)
        _users(sim, scenario, made)
        for key, spec in scenario.device_types.items():
            tenant_id = made.tenants[type_tenant(scenario, spec)]
            made.device_types[key] = sim.device_types.create_device_type(tenant_id, new_device_type(spec)).id
        faker = Faker("en_US")
        for name in fleet_order(scenario):
            _fleet(sim, scenario, name, made, random.child(f"fleet/{name}/provision"), faker)
    except SimError as error:
        details = "; ".join(f"{d['path']}: {d['message']}" for d in error.details or ())
        raise ProvisioningError(f"{error.message}{' (' + details + ')' if details else ''}") from error
    return made


def _tenants(sim: Simulator, scenario: schema.Scenario, made: Provisioned) -> None:
    existing = {t.name: t.id for t in sim.tenants.store.tenants.values()}
    wanted = [(t.name, t.owner) for t in scenario.tenants]
    if not scenario.tenants or _mentions_default(scenario):
        wanted.append((DEFAULT_TENANT, "owner@example.com"))
    for name, owner_email in wanted:
        if name in made.tenants:
            continue
        if name in existing:
            made.tenants[name] = existing[name]
            continue
        owner = sim.users.find_by_email(owner_email) or sim.users.create_user(owner_email)
        made.tenants[name] = sim.tenants.create_tenant(name, owner.id).id


def _mentions_default(scenario: schema.Scenario) -> bool:
    named = [u.tenant for u in scenario.users] + [t.tenant for t in scenario.device_types.values()]
    return DEFAULT_TENANT in named


def _users(sim: Simulator, scenario: schema.Scenario, made: Provisioned) -> None:
    default = scenario.tenants[0].name if scenario.tenants else DEFAULT_TENANT
    for spec in scenario.users:
        user = sim.users.find_by_email(spec.email) or sim.users.create_user(spec.email, spec.first_name, spec.last_name)
        tenant_id = made.tenants[spec.tenant or default]
        role = sim.roles.role_named(tenant_id, spec.role)
        if role is None:
            raise ProvisioningError(f"users: tenant {spec.tenant or default!r} has no role {spec.role!r}")
        sim.users.add_member(tenant_id, user.id, [role.id])


def new_device_type(spec: schema.DeviceTypeSpec) -> NewDeviceType:
    """What a scenario's device type creates in-process (typed: no API body in between)."""
    return NewDeviceType(
        name=spec.name,
        schema=spec.sections,
        reporting_rules=[{"path": r.path, "reportTo": list(r.report_to)} for r in spec.reporting_rules] or None,
        manufacturer=spec.manufacturer or None,
        model=spec.model or None,
        description=spec.description or None,
        categories=list(spec.categories) or None,
        communication_interval=spec.communication_interval,
    )


def device_type_body(spec: schema.DeviceTypeSpec) -> dict[str, Any]:
    """The same device type as an API body, for the REST provisioning of remote fleets."""
    new = new_device_type(spec)
    optional = {
        "manufacturer": new.manufacturer,
        "model": new.model,
        "description": new.description,
        "categories": new.categories,
        "reportingRules": new.reporting_rules,
        "communicationInterval": new.communication_interval,
    }
    return {"name": new.name, "schema": new.schema, **{k: v for k, v in optional.items() if v is not None}}


def _fleet(
    sim: Simulator, scenario: schema.Scenario, name: str, made: Provisioned, random: RandomSource, faker: Faker
) -> None:
    spec = scenario.fleets[name]
    tenant_id = made.tenants[fleet_tenant(scenario, spec)]
    type_id = made.device_types[spec.device_type]
    gateways = made.devices.get(spec.connected_by, []) if spec.connected_by else []
    faker.seed_instance(random.rng.getrandbits(64))
    fields = FakerFields(faker)
    devices: list[Device] = []
    assigned: list[Device | None] = []
    for i in range(spec.count):
        env = {"n": i + 1, "i": i, "count": spec.count, "fleet": name, "faker": fields}
        gateway = gateways[i % len(gateways)] if gateways else None
        new = NewDevice(
            name=render(spec.name, env),
            device_type_id=type_id,
            description=render(spec.description, env) if spec.description else "",
            location=render(spec.location, env) if spec.location is not None else "",
            aliases=[render(a, env) for a in spec.aliases],
            tags=[render(t, env) for t in spec.tags],
            coordinates=geo_point(spec.coordinates, random.rng) if spec.coordinates is not None else {},
            connected_by=gateway.id if gateway is not None else None,
            configuration=dict(spec.configuration or {}),
            custom=dict(spec.custom or {}),
        )
        device = sim.devices.create_device(tenant_id, new)
        if spec.communication_interval is not None:
            sim.devices.update_device_online_monitoring(tenant_id, device.id, spec.communication_interval)
        devices.append(device)
        assigned.append(gateway)
    made.devices[name] = devices
    made.gateways[name] = assigned
