"""Nobody grants what they do not hold; owner-only stays owner-only (random role sets and operations)."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.services.roles.models import ALL_ALIASES, PERMISSIONS_BY_ALIAS
from simulator.testing import SimHandle

ALIASES = sorted(ALL_ALIASES)
MANAGER = {"roles:write", "roles:read", "tenant_user_management:write", "tenant_user_management:read"}
USERS = ["writer@example.com", "reader@example.com"]


def _perms(aliases: set[str]) -> list[dict[str, str]]:
    return [{"id": PERMISSIONS_BY_ALIAS[a].id} for a in sorted(aliases)]


def _effective(olt_sim: SimHandle, email: str) -> frozenset[str]:
    sim = olt_sim.sim
    user_id = olt_sim.world.users[email]
    return frozenset(sim.roles.aliases_of(olt_sim.tenant_id, sim.users.role_ids(olt_sim.tenant_id, user_id) or []))


def _refused_or_ok(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(USERS),
        st.sampled_from(["create", "patch", "assign", "invite"]),
        st.sets(st.sampled_from(ALIASES), max_size=6),
        st.integers(0, 10),
        st.sampled_from([*USERS, "owner@example.com"]),
    ),
    max_size=8,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    granted=st.lists(st.sets(st.sampled_from(ALIASES), max_size=10), min_size=1, max_size=3),
    holders=st.lists(st.integers(0, 2), min_size=2, max_size=2),
    operations=OPERATIONS,
)
def test_no_user_ends_with_a_permission_an_owner_did_not_grant(
    olt_sim: SimHandle, granted: list[set[str]], holders: list[int], operations: list[tuple[Any, ...]]
) -> None:
    olt_sim.reset()
    owner = olt_sim.client(check_contract=False)
    role_ids = []
    for index, aliases in enumerate(granted):  # the owner's grants: custom roles that can manage roles
        body = {"name": f"granted-{index}", "permissions": _perms(aliases | MANAGER)}
        role_ids.append(owner.post("/roles", json=body).json()["data"]["id"])
    for email, pick in zip(USERS, holders, strict=True):
        user_id = olt_sim.world.users[email]
        role = role_ids[pick % len(role_ids)]
        assert owner.put(f"/tenants/{olt_sim.tenant_id}/users/{user_id}/roles", json=[{"id": role}]).status_code == 204
    ceiling = frozenset().union(*(_effective(olt_sim, email) for email in USERS))
    owner_role = olt_sim.sim.roles.role_named(olt_sim.tenant_id, "owner")
    assert owner_role is not None
    all_roles = [*role_ids, owner_role.id]
    for number, (email, kind, aliases, pick, target) in enumerate(operations):
        api = olt_sim.client(email, check_contract=False)
        roles = [r["id"] for r in owner.get("/roles", params={"pageSize": 100}).json()["data"]] or all_roles
        role = roles[pick % len(roles)]
        target_id = olt_sim.world.users[target]
        if kind == "create":
            _refused_or_ok(api.post("/roles", json={"name": f"r{number}", "permissions": _perms(aliases)}))
        elif kind == "patch":
            _refused_or_ok(api.patch(f"/roles/{role}", json={"permissions": _perms(aliases)}))
        elif kind == "assign":
            path = f"/tenants/{olt_sim.tenant_id}/users/{target_id}/roles"
            _refused_or_ok(api.put(path, json=[{"id": role}]))
        else:
            body = {"receiverEmail": f"new{number}@example.com", "roles": [{"id": role}]}
            _refused_or_ok(api.post(f"/tenants/{olt_sim.tenant_id}/invites", json=body))
    for email in USERS:
        assert _effective(olt_sim, email) <= ceiling, email
    members = olt_sim.sim.users.members(olt_sim.tenant_id)
    owners = [u for u, held in members.items() if owner_role.id in held]
    assert owners == [olt_sim.world.owner_user_id]  # nobody made themselves (or anyone) an owner
    for invite in olt_sim.sim.state.users.invites.values():
        assert owner_role.id not in invite.role_ids
        assert olt_sim.sim.roles.aliases_of(olt_sim.tenant_id, invite.role_ids) <= ceiling


def test_a_writer_cannot_write_itself_a_role_with_user_management(olt_sim: SimHandle) -> None:
    writer = olt_sim.client("writer@example.com", check_contract=False)
    response = writer.post("/roles", json={"name": "sneaky", "permissions": _perms({"tenant_user_management:write"})})
    assert response.status_code == 403 and response.json()["errorCode"] == "NO_ACCESS_TO_RESOURCE"
    assert olt_sim.sim.roles.role_named(olt_sim.tenant_id, "sneaky") is None


def test_a_manager_cannot_touch_the_owner(olt_sim: SimHandle) -> None:
    owner = olt_sim.client(check_contract=False)
    role = owner.post("/roles", json={"name": "manager", "permissions": _perms(set(ALIASES))}).json()["data"]["id"]
    writer_id = olt_sim.world.users["writer@example.com"]
    tenant = olt_sim.tenant_id
    assert owner.put(f"/tenants/{tenant}/users/{writer_id}/roles", json=[{"id": role}]).status_code == 204
    manager = olt_sim.client("writer@example.com", check_contract=False)
    owner_id, owner_role = olt_sim.world.owner_user_id, olt_sim.sim.roles.role_named(tenant, "owner")
    assert owner_role is not None
    assert manager.put(f"/tenants/{tenant}/users/{writer_id}/roles", json=[{"id": owner_role.id}]).status_code == 403
    assert manager.put(f"/tenants/{tenant}/users/{owner_id}/roles", json=[{"id": role}]).status_code == 403
    assert manager.delete(f"/tenants/{tenant}/users/{owner_id}").status_code == 403
    invite = {"receiverEmail": "x@example.com", "roleNames": ["owner"]}
    assert manager.post(f"/tenants/{tenant}/invites", json=invite).status_code == 403
