"""Reset, determinism from the seed, and snapshot/restore."""

from __future__ import annotations

import json
from dataclasses import fields

from simulator.handles import in_process
from simulator.runtime import Simulator
from simulator.services.backend import Backend
from simulator.settings import Settings
from simulator.world import World


def make(seed: int = 0) -> Simulator:
    return Simulator(Settings(clock="manual", seed=seed))


def test_the_seeded_world_is_deterministic() -> None:
    first, second = make(7), make(7)
    assert first.world == second.world
    assert make(8).world.tenant_id != first.world.tenant_id
    tenant = first.state.tenants.tenants[first.world.tenant_id]
    assert tenant.name == "Demo Tenant"
    roles = {r.name for r in first.state.roles.roles[tenant.id].values()}
    assert roles == {"owner", "writer", "reader"}


def test_minting_tokens_does_not_shift_resource_ids() -> None:
    quiet, busy = make(), make()
    for _ in range(3):
        busy.token_for_user("owner@example.com")
    assert quiet.tenants.create_tenant("x").id == busy.tenants.create_tenant("x").id


def test_reset_discards_everything_made_since() -> None:
    sim = make()
    world = sim.world
    sim.tenants.create_tenant("Extra")
    sim.clock.advance(3600)
    sim.reset()
    assert sim.world == world
    assert len(sim.state.tenants.tenants) == 1
    assert sim.clock.now().isoformat().startswith("2026-01-01T00:00")


def test_snapshot_round_trips_through_json() -> None:
    sim = make()
    extra = sim.tenants.create_tenant("Extra", sim.world.owner_user_id)
    sim.clock.advance(120)
    snapshot = json.loads(json.dumps(sim.snapshot()))
    next_id = sim.random.uuid()

    other = make(99)
    other.restore(snapshot)
    assert other.state.tenants.tenants[extra.id].name == "Extra"
    assert other.state.tenants.tenants[extra.id].created_at == sim.state.tenants.tenants[extra.id].created_at
    assert other.users.role_ids(extra.id, sim.world.owner_user_id) is not None
    assert other.clock.time() == sim.clock.time()
    assert other.random.uuid() == next_id  # the random stream continues where the snapshot was taken


def test_restore_refuses_foreign_input() -> None:
    sim = make()
    for bad in (
        {},
        {"version": 2},
        {"version": 1, "clock": 0, "random": [], "state": {"__dc__": "os:system", "fields": {}}},
    ):
        try:
            sim.restore(bad)
        except (ValueError, KeyError, TypeError):
            continue
        raise AssertionError(f"accepted {bad}")


def test_snapshot_keeps_recent_events_and_diagnostics() -> None:
    sim = make()
    sim.events.record_event("device-1", {"type": "overheated"})
    sim.events.record_diagnostic(sim.world.tenant_id, "device-1", source="mqtt", code="BAD", message="bad")
    other = make()
    other.restore(json.loads(json.dumps(sim.snapshot())))
    assert other.events.last_events("device-1") == [{"type": "overheated"}]
    assert [d["code"] for d in other.events.last_diagnostics("device-1")] == ["BAD"]
    assert other.state.events.events["device-1"].maxlen == sim.state.events.events["device-1"].maxlen


def test_every_backend_store_field_names_a_world_store() -> None:
    sim = Simulator()
    backends = [b for b in vars(sim).values() if isinstance(b, Backend)]
    assert len(backends) >= 13
    names = {f.name for f in fields(World)}
    for backend in backends:
        assert backend.store_field in names
        assert backend.store is getattr(sim.state, backend.store_field)


def test_each_simulator_numbers_its_own_request_journal() -> None:
    """The journal's entry numbers (the `?after=` cursor) belong to the simulator, not to the process."""
    handles = [in_process(seed=1) for _ in range(2)]
    try:
        seqs = []
        for handle, _ in handles:
            api = handle.client()
            for _ in range(3):
                assert api.get("/device-types").status_code == 200
            seqs.append([entry["id"] for entry in handle.control().get("/_sim/requests").json()["data"]])
        assert seqs[0] == seqs[1] and sorted(seqs[0]) == [1, 2, 3]
    finally:
        for _, stop in handles:
            stop()
