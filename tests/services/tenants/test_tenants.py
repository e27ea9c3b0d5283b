"""Tenants (facts A.6, C.4): creating makes the caller owner with the three locked default roles."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.testing import SimHandle
from tests.services.account_helpers import OtherTenant, new_user, tenant_body

DEFAULT_ROLES = {
    "owner": ("Owner", "Default owner role with full access to all resources."),
    "writer": (
        "Writer",
        "Default writer role including read and write access to  every resource except the tenant itself and the "
        "tenant's user management.",
    ),
    "reader": (
        "Reader",
        "Default reader role including read access to every  resource except the tenant's user management.",
    ),
}


def test_create_tenant_makes_the_caller_owner(olt_sim: SimHandle, owner: httpx.Client) -> None:
    response = owner.post("/tenants", json=tenant_body("Acme Plant", contractId="C-1"))
    assert response.status_code == 201
    tenant = response.json()["data"]
    assert tenant["name"] == "Acme Plant"
    assert tenant["contractId"] == "C-1"
    assert tenant["package"] == {"id": "basic"}
    assert "payment" not in tenant
    client = olt_sim.client(olt_sim.token(tenant=tenant["id"]))
    assert client.get(f"/tenants/{tenant['id']}").json()["data"] == tenant
    roles = client.get(f"/tenants/{tenant['id']}/roles").json()["data"]
    assert {r["name"]: (r["displayName"], r["description"]) for r in roles} == DEFAULT_ROLES
    assert all(r["locked"] for r in roles)
    users = client.get(f"/tenants/{tenant['id']}/users").json()["data"]
    assert [(u["email"], [r["name"] for r in u["userRoles"]]) for u in users] == [("owner@example.com", ["owner"])]


def test_a_new_user_creates_a_tenant_and_owns_it(olt_sim: SimHandle) -> None:
    uid = new_user(olt_sim, "founder@example.com")
    response = olt_sim.client("founder@example.com").post("/tenants", json=tenant_body("Founders"))
    assert response.status_code == 201
    tenant_id = response.json()["data"]["id"]
    assert olt_sim.call(lambda: olt_sim.sim.users.tenants_of(uid)) == [tenant_id]
    founder = olt_sim.client(olt_sim.token("founder@example.com", tenant=tenant_id))
    assert founder.get(f"/tenants/{tenant_id}").status_code == 200
    # ...and sees nothing of the seeded tenant
    assert founder.get(f"/tenants/{olt_sim.tenant_id}").status_code == 404


def test_update_tenant(owner: httpx.Client, olt_sim: SimHandle) -> None:
    olt_sim.advance(60)
    response = owner.patch(f"/tenants/{olt_sim.tenant_id}", json={"name": "Renamed", "billingCompany": {"name": "X"}})
    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["name"], data["billingCompany"]) == ("Renamed", {"name": "X"})
    assert data["updatedAt"] > data["createdAt"]
    assert owner.get(f"/tenants/{olt_sim.tenant_id}").json()["data"] == data


def test_tenant_isolation(owner: httpx.Client, other: OtherTenant, olt_sim: SimHandle) -> None:
    """The owner belongs to both tenants, but a token reaches only its own tenant."""
    for path in ("", "/roles", "/users", "/invites"):
        assert owner.get(f"/tenants/{other.id}{path}").status_code == 404
        assert other.client.get(f"/tenants/{olt_sim.tenant_id}{path}").status_code == 404
    assert owner.patch(f"/tenants/{other.id}", json={"name": "Hijacked"}).status_code == 404
    assert other.client.get(f"/tenants/{other.id}").json()["data"]["name"] == "Other Corp"


def test_permissions(olt_sim: SimHandle) -> None:
    tenant = olt_sim.tenant_id
    writer, reader = olt_sim.client("writer@example.com"), olt_sim.client("reader@example.com")
    assert writer.get(f"/tenants/{tenant}").status_code == 200
    assert writer.patch(f"/tenants/{tenant}", json={"name": "Nope"}).status_code == 403
    assert reader.patch(f"/tenants/{tenant}", json={"name": "Nope"}).status_code == 403
    # reader has no tenant_user_management:read; roles:read is fine
    assert reader.get(f"/tenants/{tenant}/users").status_code == 403
    assert reader.get(f"/tenants/{tenant}/roles").status_code == 200


def test_application_tokens_cannot_manage_tenants(olt_sim: SimHandle) -> None:
    world = olt_sim.world
    app = olt_sim.client(olt_sim.token(client_id=world.script_client_id))
    tenant = olt_sim.tenant_id
    assert app.get(f"/tenants/{tenant}").status_code == 403  # tenant:read is above the application cap
    assert app.patch(f"/tenants/{tenant}", json={"name": "Nope"}).status_code == 403
    assert app.get(f"/tenants/{tenant}/users").status_code == 403
    response = app.post("/tenants", json=tenant_body())
    assert response.status_code == 403
    assert response.json()["errorCode"] == "ID_FORBIDDEN"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(min_size=0, max_size=40))
def test_tenant_names_are_3_to_32_characters(owner: httpx.Client, name: str) -> None:
    response = owner.post("/tenants", json=tenant_body(name))
    single_line = not any(ord(c) < 0x20 or ord(c) == 0x7F for c in name)  # the contract's text pattern
    expected = 201 if 3 <= len(name) <= 32 and single_line else 400
    assert response.status_code == expected, response.text


def test_required_fields(owner: httpx.Client) -> None:
    for missing in ("name", "billingContact", "billingCompany", "package", "payment"):
        body = tenant_body()
        del body[missing]
        response = owner.post("/tenants", json=body)
        assert response.status_code == 400
        assert response.json()["details"]
