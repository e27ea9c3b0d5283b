"""Invites (facts A.7 #20-21, A.8 #22-24, D.3, I.35): open -> accepted/declined; accepting joins the tenant."""

from __future__ import annotations

import httpx

from simulator.testing import SimHandle
from tests.services.account_helpers import OtherTenant, new_user, role_id, user_id


def invite(owner: httpx.Client, tenant: str, email: str, **body: object) -> httpx.Response:
    return owner.post(f"/tenants/{tenant}/invites", json={"receiverEmail": email, **body})


def test_invite_accept_flow(olt_sim: SimHandle, owner: httpx.Client) -> None:
    tenant = olt_sim.tenant_id
    response = invite(owner, tenant, "Newbie@Example.com", roles=[{"id": role_id(owner, "writer")}])
    assert response.status_code == 201
    sent = response.json()["data"]
    assert (sent["status"], sent["tenantName"], [r["name"] for r in sent["roles"]]) == (
        "open",
        "Demo Tenant",
        ["writer"],
    )
    assert owner.get(f"/tenants/{tenant}/invites").json()["data"] == [sent]

    # the invitee registers later; e-mail matching ignores case
    newbie = new_user(olt_sim, "newbie@example.com")
    client = olt_sim.client(olt_sim.token("newbie@example.com", tenant=tenant))
    assert client.get("/roles").status_code == 403  # not a member yet
    mine = client.get(f"/users/{newbie}/invites", params={"status": "open"}).json()["data"]
    assert [i["id"] for i in mine] == [sent["id"]]

    olt_sim.advance(10)
    accepted = client.patch(f"/users/{newbie}/invites/{sent['id']}", json={"status": "accepted"})
    assert accepted.status_code == 200
    assert accepted.json()["data"]["status"] == "accepted"
    assert accepted.json()["data"]["updatedAt"] > sent["updatedAt"]
    assert client.post("/roles", json={"name": "Writers may"}).status_code == 201
    users = owner.get(f"/tenants/{tenant}/users").json()["data"]
    assert {u["email"]: [r["name"] for r in u["userRoles"]] for u in users}["newbie@example.com"] == ["writer"]

    # no way back, and accepted invites stay
    assert client.patch(f"/users/{newbie}/invites/{sent['id']}", json={"status": "declined"}).status_code == 400
    assert owner.delete(f"/tenants/{tenant}/invites/{sent['id']}").status_code == 400
    assert [i["status"] for i in owner.get(f"/tenants/{tenant}/invites").json()["data"]] == ["accepted"]
    assert client.get(f"/users/{newbie}/invites", params={"status": "open"}).json()["data"] == []


def test_decline_and_revoke(olt_sim: SimHandle, owner: httpx.Client) -> None:
    tenant = olt_sim.tenant_id
    newbie = new_user(olt_sim, "newbie@example.com")
    client = olt_sim.client(olt_sim.token("newbie@example.com", tenant=tenant))
    first = invite(owner, tenant, "newbie@example.com", roleNames=["reader"]).json()["data"]
    assert [r["name"] for r in first["roles"]] == ["reader"]
    declined = client.patch(f"/users/{newbie}/invites/{first['id']}", json={"status": "declined"}).json()["data"]
    assert declined["status"] == "declined"
    assert client.get("/roles").status_code == 403

    second = invite(owner, tenant, "newbie@example.com", roles=[{"id": role_id(owner, "reader")}]).json()["data"]
    assert client.patch(f"/users/{newbie}/invites/{second['id']}", json={"status": "open"}).status_code == 400
    assert [i["id"] for i in owner.get(f"/tenants/{tenant}/invites", params={"status": "open"}).json()["data"]] == [
        second["id"]
    ]
    assert owner.delete(f"/tenants/{tenant}/invites/{second['id']}").status_code == 204
    assert owner.delete(f"/tenants/{tenant}/invites/{second['id']}").status_code == 404
    assert client.patch(f"/users/{newbie}/invites/{second['id']}", json={"status": "accepted"}).status_code == 404
    statuses = [i["status"] for i in client.get(f"/users/{newbie}/invites").json()["data"]]
    assert statuses == ["declined"]


def test_invite_conflicts_and_bad_roles(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    tenant = olt_sim.tenant_id
    assert invite(owner, tenant, "reader@example.com", roleNames=["writer"]).status_code == 409  # member already
    assert invite(owner, tenant, "x@example.com", roleNames=["reader"]).status_code == 201
    assert invite(owner, tenant, "X@example.com", roleNames=["writer"]).status_code == 409  # open invite exists
    assert invite(owner, tenant, "y@example.com").status_code == 400  # no role
    assert invite(owner, tenant, "y@example.com", roleNames=["boss"]).status_code == 400
    assert invite(owner, tenant, "y@example.com", roles=[{"id": role_id(other.client, "owner")}]).status_code == 400
    assert invite(owner, tenant, "not-an-email", roleNames=["reader"]).status_code == 400
    # the same person may be invited by another tenant
    assert invite(other.client, other.id, "x@example.com", roleNames=["reader"]).status_code == 201


def test_a_role_in_an_open_invite_cannot_be_deleted(olt_sim: SimHandle, owner: httpx.Client) -> None:
    role = owner.post("/roles", json={"name": "Guests"}).json()["data"]
    sent = invite(owner, olt_sim.tenant_id, "guest@example.com", roles=[{"id": role["id"]}]).json()["data"]
    assert owner.delete(f"/roles/{role['id']}").status_code == 409
    assert owner.delete(f"/tenants/{olt_sim.tenant_id}/invites/{sent['id']}").status_code == 204
    assert owner.delete(f"/roles/{role['id']}").status_code == 204


def test_invite_isolation_and_rights(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    theirs = invite(other.client, other.id, "z@example.com", roleNames=["reader"]).json()["data"]
    assert owner.delete(f"/tenants/{olt_sim.tenant_id}/invites/{theirs['id']}").status_code == 404
    assert owner.delete(f"/tenants/{other.id}/invites/{theirs['id']}").status_code == 404
    foreign = {"receiverEmail": "q@example.com", "roleNames": ["reader"]}  # valid, but not our tenant
    assert owner.post(f"/tenants/{other.id}/invites", json=foreign).status_code == 404
    assert owner.get(f"/tenants/{olt_sim.tenant_id}/invites").json()["data"] == []
    # someone else's invite is not yours to answer
    reader = user_id(olt_sim, "reader@example.com")
    reader_client = olt_sim.client("reader@example.com")
    answer = reader_client.patch(f"/users/{reader}/invites/{theirs['id']}", json={"status": "accepted"})
    assert answer.status_code == 404
    writer = olt_sim.client("writer@example.com")
    assert writer.get(f"/tenants/{olt_sim.tenant_id}/invites").status_code == 403
    assert invite(writer, olt_sim.tenant_id, "w@example.com", roleNames=["reader"]).status_code == 403
