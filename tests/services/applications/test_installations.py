"""Installing applications (facts A.12, A.13, D.6, I.22): what an installation lets the app's clients do."""

from __future__ import annotations

from typing import Any

import httpx

from simulator.testing import SimHandle
from tests.services.account_helpers import (
    OtherTenant,
    app_token,
    client_credentials,
    create_app,
    permission_id,
    user_id,
)

APPS = "/application-developer/applications"


def background_app(owner: httpx.Client, tenant: str, *aliases: str) -> dict[str, Any]:
    """An app that needs `aliases` for its client-credentials tokens and may be installed in `tenant`."""
    permissions = {"client": [{"id": permission_id(owner, a)} for a in aliases], "user": []}
    return create_app(owner, "Background", permissions=permissions, allowedTenants=[{"tenantId": tenant}])


def install(client: httpx.Client, app: dict[str, Any]) -> httpx.Response:
    return client.post(f"/applications/{app['id']}/installation", json={"permissions": app["permissions"]})


def test_install_enables_client_credentials(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    app = background_app(owner, other.id, "roles:read")
    client_id, secret = app["oauth2Client"]["id"], app["oauth2Client"]["secret"]
    refused = client_credentials(olt_sim, client_id, secret, other.id)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"

    response = install(other.client, app)
    assert response.status_code == 201
    installation = response.json()["data"]
    assert (installation["applicationId"], installation["tenantId"]) == (app["id"], other.id)
    assert installation["permissions"] == app["permissions"]

    token = app_token(olt_sim, client_id, secret, other.id)
    background = olt_sim.client(token)
    roles = background.get("/roles")
    assert roles.status_code == 200 and {r["name"] for r in roles.json()["data"]} == {"owner", "writer", "reader"}
    assert background.post("/roles", json={"name": "Not consented"}).status_code == 403  # roles:write not consented
    assert background.get(f"/tenants/{other.id}/users").status_code == 403  # above the application cap
    # the developer tenant did not install it: no token there
    assert client_credentials(olt_sim, client_id, secret, olt_sim.tenant_id).status_code == 400

    allowed = owner.get(f"{APPS}/{app['id']}/allowed-tenants").json()["data"]
    assert (allowed[0]["installed"], allowed[0]["tenantName"]) == (True, "Other Corp")

    assert other.client.delete(f"/applications/{app['id']}/installation").status_code == 204
    assert background.get("/roles").status_code == 403  # the old token lost its rights
    assert client_credentials(olt_sim, client_id, secret, other.id).status_code == 400
    assert owner.get(f"{APPS}/{app['id']}/allowed-tenants").json()["data"][0]["installed"] is False


def test_consent_must_be_the_full_set(owner: httpx.Client, other: OtherTenant) -> None:
    app = background_app(owner, other.id, "roles:read", "devices:read")
    path = f"/applications/{app['id']}/installation"
    partial = {"client": app["permissions"]["client"][:1], "user": []}
    response = other.client.post(path, json={"permissions": partial})
    assert response.status_code == 400 and response.json()["errorCode"] == "PERMISSIONS_MISMATCH"
    moved = {"client": [], "user": app["permissions"]["client"]}
    assert other.client.post(path, json={"permissions": moved}).status_code == 400
    assert other.client.post(path, json={}).status_code == 400
    assert other.client.get(path).status_code == 404
    reordered = {"client": list(reversed(app["permissions"]["client"]))}
    assert other.client.post(path, json={"permissions": reordered}).status_code == 201
    assert other.client.post(path, json={"permissions": reordered}).status_code == 409


def test_reconsent_after_the_app_changes(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    app = background_app(owner, other.id, "roles:read")
    install(other.client, app)
    token = app_token(olt_sim, app["oauth2Client"]["id"], app["oauth2Client"]["secret"], other.id)
    wider = {"client": [{"id": permission_id(owner, "roles:read")}, {"id": permission_id(owner, "roles:write")}]}
    owner.patch(f"{APPS}/{app['id']}", json={"permissions": wider})
    assert olt_sim.client(token).post("/roles", json={"name": "Not yet"}).status_code == 403
    path = f"/applications/{app['id']}/installation"
    assert other.client.patch(path, json={"permissions": app["permissions"]}).status_code == 400  # stale set
    assert other.client.get(f"/applications/{app['id']}/permissions").json()["data"] == {**wider, "user": []}
    olt_sim.advance(5)
    updated = other.client.patch(path, json={"permissions": wider})
    assert updated.status_code == 200
    assert updated.json()["data"]["updatedAt"] > updated.json()["data"]["createdAt"]
    assert other.client.get(path).json()["data"] == updated.json()["data"]
    assert olt_sim.client(token).post("/roles", json={"name": "Now yes"}).status_code == 201


def test_tenant_view(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    installed = background_app(owner, other.id)
    offered = create_app(owner, "Offered", allowedTenants=[{"tenantId": other.id}])
    create_app(owner, "Private")
    install(other.client, installed)
    listed = other.client.get("/applications").json()["data"]
    assert [(a["name"], a["installation"] is not None) for a in listed] == [("Background", True), ("Offered", False)]
    assert all(a["available"] and a["availableCode"] == "APP_AVAILABLE" for a in listed)
    only = other.client.get("/applications", params={"installed": "true"}).json()["data"]
    assert [a["name"] for a in only] == ["Background"]
    assert other.client.get(f"/applications/{offered['id']}").json()["data"]["installation"] is None
    # the developer tenant was never allowed: it sees none of them from the tenant side
    assert owner.get("/applications").json()["data"] == []
    assert owner.get(f"/applications/{offered['id']}").status_code == 404
    assert owner.post(f"/applications/{offered['id']}/installation", json={"permissions": {}}).status_code == 404

    owner.patch(f"{APPS}/{offered['id']}", json={"status": "inactive"})
    view = other.client.get(f"/applications/{offered['id']}").json()["data"]
    assert (view["available"], view["availableCode"]) == (False, "APP_INACTIVE")
    response = other.client.post(f"/applications/{offered['id']}/installation", json={"permissions": {}})
    assert response.status_code == 403 and response.json()["errorCode"] == "APP_INACTIVE"


def test_inactive_and_revoked_apps_lose_access(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    app = background_app(owner, other.id, "roles:read")
    install(other.client, app)
    background = olt_sim.client(app_token(olt_sim, app["oauth2Client"]["id"], app["oauth2Client"]["secret"], other.id))
    owner.patch(f"{APPS}/{app['id']}", json={"status": "inactive"})
    assert background.get("/roles").status_code == 403
    owner.patch(f"{APPS}/{app['id']}", json={"status": "active"})
    assert background.get("/roles").status_code == 200
    assert owner.delete(f"{APPS}/{app['id']}/allowed-tenants/{other.id}").status_code == 204
    assert background.get("/roles").status_code == 403
    assert other.client.get(f"/applications/{app['id']}").status_code == 404


def test_tenant_side_rights(olt_sim: SimHandle, owner: httpx.Client) -> None:
    app = background_app(owner, olt_sim.tenant_id)
    reader = olt_sim.client("reader@example.com")
    assert reader.get("/applications").status_code == 200
    assert install(reader, app).status_code == 403
    assert install(olt_sim.client("writer@example.com"), app).status_code == 201
    assert reader.delete(f"/applications/{app['id']}/installation").status_code == 403


def test_application_info(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    app = background_app(owner, other.id)
    owner.put(f"{APPS}/{app['id']}/allowed-tenants/{olt_sim.tenant_id}", json={})
    install(other.client, app)
    install(owner, app)
    client_id, secret = app["oauth2Client"]["id"], app["oauth2Client"]["secret"]
    unbound = olt_sim.client(app_token(olt_sim, client_id, secret, None))
    listed = unbound.get("/application-info/installed-tenants").json()
    assert listed["data"] == [
        {"tenantId": other.id, "name": "Other Corp"},
        {"tenantId": olt_sim.tenant_id, "name": "Demo Tenant"},
    ]
    assert unbound.get("/application-info/installation").status_code == 403  # needs a tenant
    bound = olt_sim.client(app_token(olt_sim, client_id, secret, other.id))
    own = bound.get("/application-info/installation").json()["data"]
    assert (own["applicationId"], own["tenantId"]) == (app["id"], other.id)
    assert bound.get("/application-info/installed-tenants").status_code == 403  # must not be tenant-bound
    for path in ("/application-info/installed-tenants", "/application-info/installation"):
        assert owner.get(path).status_code == 403  # user tokens never
    # the realm's own script client is no application
    script = olt_sim.client(olt_sim.token(client_id=olt_sim.world.script_client_id))
    assert script.get("/application-info/installation").status_code == 404


def test_user_tokens_through_an_app_are_capped(olt_sim: SimHandle, owner: httpx.Client) -> None:
    """A user signing in through an app gets their roles' rights, capped at the writer level and consent."""
    user_perms = [{"id": permission_id(owner, a)} for a in ("roles:read", "tenant_user_management:read")]
    app = create_app(
        owner,
        "User App",
        withPublicOauth2Client=True,
        permissions={"user": user_perms},
        allowedTenants=[{"tenantId": olt_sim.tenant_id}],
    )
    public_id = app["publicOauth2Client"]["id"]
    via_app = olt_sim.client(olt_sim.call(lambda: olt_sim.sim.token_for_user("owner@example.com", None, public_id)))
    assert via_app.get("/roles").status_code == 403  # not installed yet
    install(owner, app)
    assert via_app.get("/roles").status_code == 200
    assert via_app.post("/roles", json={"name": "Not consented"}).status_code == 403
    assert via_app.get(f"/tenants/{olt_sim.tenant_id}/users").status_code == 403  # capped even for the owner
    me = user_id(olt_sim, "owner@example.com")
    assert via_app.get(f"/users/{me}").status_code == 200
