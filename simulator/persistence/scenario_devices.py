"""Which devices of a saved world a scenario made, so that a restarted server runs them again.

A scenario provisions device types and devices once; saved with the world is the map from its
fleets to their device ids. On a restart with the same scenario the runner adopts those devices
instead of provisioning a second set, and the resumed world keeps living.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.scenario.fleet import Provisioned

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def describe(name: str, made: Provisioned) -> dict[str, Any]:
    return {
        "name": name,
        "tenants": dict(made.tenants),
        "deviceTypes": dict(made.device_types),
        "devices": {fleet: [d.id for d in devices] for fleet, devices in made.devices.items()},
        "gateways": {fleet: [g.id if g else None for g in gateways] for fleet, gateways in made.gateways.items()},
    }


def adopt(sim: Simulator, name: str, saved: Any) -> Provisioned | None:
    """The scenario's devices in the resumed world, or None when they are not all there any more."""
    if not isinstance(saved, dict) or saved.get("name") != name:
        return None
    try:
        known: dict[str, Any] = {}
        for tenant_id in saved["tenants"].values():
            known.update(sim.state.devices.devices.get(tenant_id, {}))
        devices = {fleet: [known[i] for i in ids] for fleet, ids in saved["devices"].items()}
        gateways = {fleet: [known[i] if i else None for i in ids] for fleet, ids in saved["gateways"].items()}
        return Provisioned(dict(saved["tenants"]), dict(saved["deviceTypes"]), devices, gateways)
    except (KeyError, TypeError, AttributeError):
        return None  # deleted devices, another scenario, a hand-edited file: leave the world as it is
