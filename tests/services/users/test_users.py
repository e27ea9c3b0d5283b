"""Self-service under /users/{userId} (facts A.7): a user reads only themselves, in the token's tenant."""

from __future__ import annotations

import httpx
import pytest

from simulator.testing import SimHandle
from tests.services.account_helpers import OtherTenant, permission_id, role_id, user_id

SELF_SERVICE = ("", "/tenants", "/permissions", "/invites")


def test_get_user_is_self_only(olt_sim: SimHandle, owner: httpx.Client) -> None:
    me = user_id(olt_sim, "owner@example.com")
    assert owner.get(f"/users/{me}").json()["data"] == {
        "id": me,
        "email": "owner@example.com",
        "firstName": "Olivia",
        "lastName": "Owner",
    }
    for path in SELF_SERVICE:
        response = owner.get(f"/users/{user_id(olt_sim, 'reader@example.com')}{path}")
        assert response.status_code == 403, path
        assert response.json()["errorCode"] == "ID_FORBIDDEN"
    assert owner.get(f"/users/{user_id(olt_sim, 'reader@example.com')}/tenants/{olt_sim.tenant_id}").status_code == 403


@pytest.mark.parametrize("path", SELF_SERVICE)
def test_application_tokens_are_refused(olt_sim: SimHandle, path: str) -> None:
    app = olt_sim.client(olt_sim.token(client_id=olt_sim.world.script_client_id))
    response = app.get(f"/users/{user_id(olt_sim, 'owner@example.com')}{path}")
    assert response.status_code == 403
    assert response.json()["errorCode"] == "ID_FORBIDDEN"


def test_user_tenants(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    me = user_id(olt_sim, "owner@example.com")
    listed = owner.get(f"/users/{me}/tenants").json()
    assert listed["meta"] == {"page": 0, "pageSize": 20, "itemsTotal": 2, "pagesTotal": 1}
    assert {t["id"]: (t["name"], t["role"]) for t in listed["data"]} == {
        olt_sim.tenant_id: ("Demo Tenant", "owner"),
        other.id: ("Other Corp", "owner"),
    }
    one = owner.get(f"/users/{me}/tenants/{olt_sim.tenant_id}").json()["data"]
    assert one["id"] == olt_sim.tenant_id and [r["name"] for r in one["roles"]] == ["owner"]
    # only the logged-in tenant, even though the owner is a member of the other one
    assert owner.get(f"/users/{me}/tenants/{other.id}").status_code == 404
    assert other.client.get(f"/users/{me}/tenants/{other.id}").status_code == 200
    # the reader is in one tenant only
    reader = olt_sim.client("reader@example.com")
    rid = user_id(olt_sim, "reader@example.com")
    assert [t["role"] for t in reader.get(f"/users/{rid}/tenants").json()["data"]] == ["reader"]


def test_user_permissions_follow_roles(olt_sim: SimHandle, owner: httpx.Client) -> None:
    rid = user_id(olt_sim, "reader@example.com")
    reader = olt_sim.client("reader@example.com")
    body = reader.get(f"/users/{rid}/permissions").json()
    aliases = {p["alias"] for p in body["data"]["permissions"]}
    assert "devices:read" in aliases and "devices:write" not in aliases
    assert not any(a.startswith("tenant_user_management") for a in aliases)
    assert set(body) == {"data"}  # an object, not a paged list
    role = owner.post(
        "/roles", json={"name": "Device writer", "permissions": [{"id": permission_id(owner, "devices:write")}]}
    ).json()["data"]
    roles = [{"id": role_id(owner, "reader")}, {"id": role["id"]}]
    assert owner.put(f"/tenants/{olt_sim.tenant_id}/users/{rid}/roles", json=roles).status_code == 204
    aliases = {p["alias"] for p in reader.get(f"/users/{rid}/permissions").json()["data"]["permissions"]}
    assert "devices:write" in aliases
    owner_aliases = {
        p["alias"]
        for p in owner.get(f"/users/{user_id(olt_sim, 'owner@example.com')}/permissions").json()["data"]["permissions"]
    }
    assert {"tenant_user_management:write", "tenant:write"} <= owner_aliases


def test_permissions_are_those_of_the_token_tenant(olt_sim: SimHandle, other: OtherTenant) -> None:
    """A reader invited nowhere else has no permissions in a tenant they do not belong to."""
    rid = user_id(olt_sim, "reader@example.com")
    outsider = olt_sim.client(olt_sim.token("reader@example.com", tenant=other.id))
    assert outsider.get(f"/users/{rid}/permissions").json()["data"]["permissions"] == []
    assert outsider.get(f"/users/{rid}/tenants/{other.id}").status_code == 404
    assert outsider.get("/roles").status_code == 403
