"""Roles, the permission catalogue and the tenant's user management (facts A.8, A.9, C.4, I.15)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.testing import SimHandle
from tests.services.account_helpers import OtherTenant, permission_id, role_id, user_id

NAME_PATTERN = st.from_regex(r"[a-zA-Z0-9_\- ]{3,32}", fullmatch=True)


def test_permission_catalogue(owner: httpx.Client) -> None:
    body = owner.get("/permissions").json()
    permissions = body["data"]["permissions"]
    assert body["meta"]["totalSize"] == len(permissions) == body["meta"]["itemsTotal"]
    aliases = {p["alias"] for p in permissions}
    assert {"devicetypes:read", "tenant_user_management:write", "applications_development:read"} <= aliases
    assert len({p["id"] for p in permissions}) == len(permissions)


def test_role_crud(olt_sim: SimHandle, owner: httpx.Client) -> None:
    read_devices = permission_id(owner, "devices:read")
    response = owner.post(
        "/roles",
        json={
            "name": "Device Manager",
            "description": "Manages devices",
            "permissions": [{"id": read_devices}, {"alias": "devices:write"}],
        },
    )
    assert response.status_code == 201
    role = response.json()["data"]
    assert role["displayName"] == "Device Manager" and role["locked"] is False and role["usersCount"] == 0
    assert role["permissionIds"] == [read_devices, permission_id(owner, "devices:write")]
    assert owner.get(f"/roles/{role['id']}").json()["data"] == role
    assert role["id"] in [r["id"] for r in owner.get("/roles").json()["data"]]

    olt_sim.advance(5)
    patched = owner.patch(f"/roles/{role['id']}", json={"description": None, "permissions": []}).json()["data"]
    assert patched["permissionIds"] == [] and patched["description"] == "" and patched["name"] == "Device Manager"
    assert patched["updatedAt"] > role["updatedAt"]
    renamed = owner.patch(f"/roles/{role['id']}", json={"name": "Device Boss"}).json()["data"]
    assert renamed["name"] == "Device Boss"

    assert owner.delete(f"/roles/{role['id']}").status_code == 204
    assert owner.get(f"/roles/{role['id']}").status_code == 404
    assert owner.delete(f"/roles/{role['id']}").status_code == 404


def test_role_names_are_unique_per_tenant(owner: httpx.Client, other: OtherTenant) -> None:
    assert owner.post("/roles", json={"name": "Ops"}).status_code == 201
    assert owner.post("/roles", json={"name": "ops"}).status_code == 409
    assert owner.post("/roles", json={"name": "owner"}).status_code == 409
    second = owner.post("/roles", json={"name": "Ops two"}).json()["data"]
    assert owner.patch(f"/roles/{second['id']}", json={"name": "OPS"}).status_code == 409
    assert other.client.post("/roles", json={"name": "Ops"}).status_code == 201


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(NAME_PATTERN, st.text(max_size=40)))
def test_role_name_pattern(olt_sim: SimHandle, name: str) -> None:
    olt_sim.reset()
    response = olt_sim.client().post("/roles", json={"name": name})
    valid = 3 <= len(name) <= 32 and all(c.isascii() and (c.isalnum() or c in "_- ") for c in name)
    taken = name.lower() in ("owner", "writer", "reader")
    assert response.status_code == (409 if valid and taken else 201 if valid else 400), response.text


@pytest.mark.parametrize(
    "permissions",
    [
        [{"id": "123e4567-e89b-42d3-a456-426655440000"}],
        [{"alias": "devices:fly"}],
        [{"id": "123e4567-e89b-42d3-a456-426655440000", "alias": "devices:read"}],
    ],
)
def test_unknown_permissions_are_a_400(owner: httpx.Client, permissions: list[dict[str, str]]) -> None:
    response = owner.post("/roles", json={"name": "Broken", "permissions": permissions})
    assert response.status_code == 400
    assert response.json()["details"][0]["path"] == "body.permissions.0"
    assert owner.post("/roles", json={"name": "Broken", "customPermissions": permissions[:1]}).status_code in (400,)


def test_locked_default_roles(owner: httpx.Client) -> None:
    for name in ("owner", "writer", "reader"):
        rid = role_id(owner, name)
        response = owner.patch(f"/roles/{rid}", json={"description": "mine now"})
        assert response.status_code == 403 and response.json()["errorCode"] == "ROLE_LOCKED"
        assert owner.delete(f"/roles/{rid}").status_code == 403
    assert owner.get(f"/roles/{role_id(owner, 'owner')}").json()["data"]["usersCount"] == 1


def test_role_in_use_cannot_be_deleted(olt_sim: SimHandle, owner: httpx.Client) -> None:
    role = owner.post("/roles", json={"name": "Helpers"}).json()["data"]
    reader = user_id(olt_sim, "reader@example.com")
    tenant = olt_sim.tenant_id
    assert owner.put(f"/tenants/{tenant}/users/{reader}/roles", json={"id": role["id"]}).status_code == 204
    assert owner.get(f"/roles/{role['id']}").json()["data"]["usersCount"] == 1
    response = owner.delete(f"/roles/{role['id']}")
    assert response.status_code == 409 and response.json()["errorCode"] == "ROLE_IN_USE"
    back = [{"id": role_id(owner, "reader")}]
    assert owner.put(f"/tenants/{tenant}/users/{reader}/roles", json=back).status_code == 204
    assert owner.delete(f"/roles/{role['id']}").status_code == 204


def test_writer_and_reader_rights(olt_sim: SimHandle) -> None:
    writer, reader = olt_sim.client("writer@example.com"), olt_sim.client("reader@example.com")
    assert writer.post("/roles", json={"name": "By writer"}).status_code == 201
    assert reader.post("/roles", json={"name": "By reader"}).status_code == 403
    assert reader.get("/roles").status_code == 200
    assert reader.get("/permissions").status_code == 200
    role = writer.get("/roles").json()["data"][-1]
    assert reader.patch(f"/roles/{role['id']}", json={"name": "Mine"}).status_code == 403
    assert reader.delete(f"/roles/{role['id']}").status_code == 403
    # user management needs tenant_user_management, which writers do not have
    tenant, reader_id = olt_sim.tenant_id, user_id(olt_sim, "reader@example.com")
    assert writer.get(f"/tenants/{tenant}/users").status_code == 403
    assert writer.put(f"/tenants/{tenant}/users/{reader_id}/roles", json={"id": role["id"]}).status_code == 403
    assert writer.get(f"/roles/{role['id']}/users").status_code == 403


def test_roles_filtered_by_user(olt_sim: SimHandle, owner: httpx.Client) -> None:
    listed = owner.get("/roles", params={"userId": user_id(olt_sim, "writer@example.com")}).json()
    assert [r["name"] for r in listed["data"]] == ["writer"]
    assert listed["meta"]["itemsTotal"] == 1
    stranger = "123e4567-e89b-42d3-a456-426655440000"
    assert owner.get("/roles", params={"userId": stranger}).json()["data"] == []


@pytest.mark.parametrize("shape", ["array", "object", "roles"])
def test_replace_user_roles_accepts_three_body_forms(olt_sim: SimHandle, owner: httpx.Client, shape: str) -> None:
    tenant, reader = olt_sim.tenant_id, user_id(olt_sim, "reader@example.com")
    writer_role = role_id(owner, "writer")
    ref = {"id": writer_role}
    body: Any = {"array": [ref], "object": ref, "roles": {"roles": [ref]}}
    response = owner.put(f"/tenants/{tenant}/users/{reader}/roles", json=body[shape])
    assert response.status_code == 204 and response.content == b""
    roles = owner.get(f"/tenants/{tenant}/users/{reader}/roles").json()["data"]
    assert [r["name"] for r in roles] == ["writer"]
    assert olt_sim.client("reader@example.com").post("/roles", json={"name": "Now allowed"}).status_code == 201


def test_replace_user_roles_rejects_bad_input(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    tenant, reader = olt_sim.tenant_id, user_id(olt_sim, "reader@example.com")
    path = f"/tenants/{tenant}/users/{reader}/roles"
    assert owner.put(path, json=[]).status_code == 400
    assert owner.put(path, json={"name": "x"}).status_code == 400
    foreign_role = role_id(other.client, "writer")
    response = owner.put(path, json=[{"id": foreign_role}])
    assert response.status_code == 400 and response.json()["details"]
    stranger = "123e4567-e89b-42d3-a456-426655440000"
    reader_role = [{"id": role_id(owner, "reader")}]
    assert owner.put(f"/tenants/{tenant}/users/{stranger}/roles", json=reader_role).status_code == 404
    assert owner.get(f"/tenants/{tenant}/users/{stranger}/roles").status_code == 404


def test_the_last_owner_stays(olt_sim: SimHandle, owner: httpx.Client) -> None:
    tenant, me = olt_sim.tenant_id, user_id(olt_sim, "owner@example.com")
    response = owner.put(f"/tenants/{tenant}/users/{me}/roles", json=[{"id": role_id(owner, "writer")}])
    assert response.status_code == 400 and response.json()["errorCode"] == "LAST_OWNER"
    assert owner.delete(f"/tenants/{tenant}/users/{me}").status_code == 400
    writer = user_id(olt_sim, "writer@example.com")
    owner_role = [{"id": role_id(owner, "owner")}]
    assert owner.put(f"/tenants/{tenant}/users/{writer}/roles", json=owner_role).status_code == 204
    assert owner.delete(f"/tenants/{tenant}/users/{me}").status_code == 204
    assert owner.get("/roles").status_code == 403  # no longer a member


def test_tenant_users_and_role_users(olt_sim: SimHandle, owner: httpx.Client) -> None:
    tenant = olt_sim.tenant_id
    users = owner.get(f"/tenants/{tenant}/users").json()
    assert users["meta"]["itemsTotal"] == 3
    assert {u["email"]: [r["name"] for r in u["userRoles"]] for u in users["data"]} == {
        "owner@example.com": ["owner"],
        "writer@example.com": ["writer"],
        "reader@example.com": ["reader"],
    }
    paged = owner.get(f"/tenants/{tenant}/users", params={"page": 1, "pageSize": 2}).json()
    assert len(paged["data"]) == 1 and paged["meta"]["pagesTotal"] == 2
    readers = owner.get(f"/roles/{role_id(owner, 'reader')}/users").json()["data"]
    assert [u["email"] for u in readers] == ["reader@example.com"]

    reader = user_id(olt_sim, "reader@example.com")
    assert owner.delete(f"/tenants/{tenant}/users/{reader}").status_code == 204
    assert owner.get(f"/roles/{role_id(owner, 'reader')}/users").json()["data"] == []
    assert owner.delete(f"/tenants/{tenant}/users/{reader}").status_code == 404
    assert olt_sim.client("reader@example.com").get("/roles").status_code == 403


def test_role_isolation(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    theirs = other.client.post("/roles", json={"name": "Theirs"}).json()["data"]
    assert owner.get(f"/roles/{theirs['id']}").status_code == 404
    assert owner.patch(f"/roles/{theirs['id']}", json={"name": "Mine"}).status_code == 404
    assert owner.delete(f"/roles/{theirs['id']}").status_code == 404
    assert owner.get(f"/roles/{theirs['id']}/users").status_code == 404
    assert theirs["id"] not in [r["id"] for r in owner.get("/roles").json()["data"]]
    their_owner = role_id(other.client, "owner")
    assert owner.get(f"/roles/{their_owner}/users").status_code == 404
    # user management of the other tenant through a path naming it is a 404 too
    reader = user_id(olt_sim, "reader@example.com")
    for method, path, body in (
        ("GET", f"/tenants/{other.id}/users/{reader}/roles", None),
        ("PUT", f"/tenants/{other.id}/users/{reader}/roles", [{"id": their_owner}]),
        ("DELETE", f"/tenants/{other.id}/users/{user_id(olt_sim, 'owner@example.com')}", None),
    ):
        assert owner.request(method, path, json=body).status_code == 404, path


def test_application_tokens_are_capped(olt_sim: SimHandle) -> None:
    app = olt_sim.client(olt_sim.token(client_id=olt_sim.world.script_client_id))
    tenant, reader = olt_sim.tenant_id, user_id(olt_sim, "reader@example.com")
    assert app.get("/roles").status_code == 200
    assert app.get(f"/tenants/{tenant}/users").status_code == 403
    assert app.get(f"/tenants/{tenant}/invites").status_code == 403
    assert app.put(f"/tenants/{tenant}/users/{reader}/roles", json={"id": reader}).status_code == 403
    assert app.delete(f"/tenants/{tenant}/users/{reader}").status_code == 403
