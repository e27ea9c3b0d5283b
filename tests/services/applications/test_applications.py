"""Applications, developer side (facts A.11, D.5): registration, clients, secrets, allowed tenants."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.testing import SimHandle
from tests.services.account_helpers import OtherTenant, client_credentials, create_app, permission_id

APPS = "/application-developer/applications"


def test_register_application(olt_sim: SimHandle, owner: httpx.Client) -> None:
    app = create_app(
        owner,
        "Motion Display",
        teaserDescription="Shows motion",
        url="https://app.example.com",
        redirectUris=["https://app.example.com/cb"],
        allowedTenants=[{"tenantId": olt_sim.tenant_id, "comment": "us"}],
    )
    assert app["oauth2Client"]["type"] == "confidential"
    assert len(app["oauth2Client"]["secret"]) == 16
    assert "publicOauth2Client" not in app and app["withPublicOauth2Client"] is False
    assert (app["tenantId"], app["status"]) == (olt_sim.tenant_id, "active")
    assert app["permissions"] == {"client": [], "user": []}
    assert app["allowedTenants"] == [
        {
            "tenantId": olt_sim.tenant_id,
            "createdAt": app["createdAt"],
            "installed": False,
            "comment": "us",
            "tenantName": None,
        }
    ]
    fetched = owner.get(f"{APPS}/{app['id']}").json()["data"]
    assert "secret" not in fetched["oauth2Client"]
    del app["oauth2Client"]["secret"]
    assert fetched == app
    assert [a["id"] for a in owner.get(APPS).json()["data"]] == [app["id"]]
    client = olt_sim.call(lambda: olt_sim.sim.applications.get_client(app["oauth2Client"]["id"]))
    assert (client.application_id, client.tenant_ids) == (app["id"], [])
    assert client.redirect_uris == ["https://app.example.com/cb"]


def test_public_client_on_request(olt_sim: SimHandle, owner: httpx.Client) -> None:
    app = create_app(owner, withPublicOauth2Client=True, redirectUris=["https://spa.example.com/"])
    public = app["publicOauth2Client"]
    assert public["type"] == "public" and "secret" not in public and public["id"] != app["oauth2Client"]["id"]
    off = owner.patch(f"{APPS}/{app['id']}", json={"withPublicOauth2Client": False}).json()["data"]
    assert "publicOauth2Client" not in off
    assert olt_sim.call(lambda: olt_sim.sim.applications.get_client(public["id"])) is None
    on = owner.patch(f"{APPS}/{app['id']}", json={"withPublicOauth2Client": True}).json()["data"]
    assert on["publicOauth2Client"]["id"] != public["id"]


def test_update_application(olt_sim: SimHandle, owner: httpx.Client) -> None:
    app = create_app(owner)
    olt_sim.advance(3)
    body = {
        "name": "Renamed App",
        "status": "inactive",
        "redirectUris": ["https://new.example.com/cb"],
        "teaserDescription": "t",
        "permissions": {"client": [{"id": permission_id(owner, "roles:read")}]},
    }
    updated = owner.patch(f"{APPS}/{app['id']}", json=body).json()["data"]
    assert (updated["name"], updated["status"], updated["redirectUris"], updated["teaserDescription"]) == (
        "Renamed App",
        "inactive",
        ["https://new.example.com/cb"],
        "t",
    )
    assert updated["permissions"] == {"client": [{"id": permission_id(owner, "roles:read")}], "user": []}
    assert updated["updatedAt"] > app["updatedAt"]
    client = olt_sim.call(lambda: olt_sim.sim.applications.get_client(app["oauth2Client"]["id"]))
    assert client.redirect_uris == ["https://new.example.com/cb"]


def test_names_and_permissions_are_checked(owner: httpx.Client, other: OtherTenant) -> None:
    create_app(owner, "Twin")
    assert owner.post(APPS, json={"name": "twin"}).status_code == 409
    second = create_app(owner, "Second")
    assert owner.patch(f"{APPS}/{second['id']}", json={"name": "TWIN"}).status_code == 409
    create_app(other.client, "Twin")  # names are per developer tenant
    unknown = {"client": [{"id": "123e4567-e89b-42d3-a456-426655440000"}]}
    response = owner.post(APPS, json={"name": "Bad perms", "permissions": unknown})
    assert response.status_code == 400 and response.json()["details"][0]["path"] == "body.permissions.client.0"
    assert owner.patch(f"{APPS}/{second['id']}", json={"permissions": unknown}).status_code == 400
    assert owner.post(APPS, json={"name": "Wild", "redirectUris": ["https://*.example.com"]}).status_code == 400


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.one_of(st.from_regex(r"[a-zA-Z0-9_\- ]{3,32}", fullmatch=True), st.text(max_size=40)))
def test_application_name_pattern(olt_sim: SimHandle, name: str) -> None:
    olt_sim.reset()
    response = olt_sim.client().post(APPS, json={"name": name})
    valid = 3 <= len(name) <= 32 and all(c.isascii() and (c.isalnum() or c in "_- ") for c in name)
    assert response.status_code == (201 if valid else 400), response.text


def test_secret_regeneration(olt_sim: SimHandle, owner: httpx.Client) -> None:
    app = create_app(owner, allowedTenants=[{"tenantId": olt_sim.tenant_id}])
    assert owner.post(f"/applications/{app['id']}/installation", json={"permissions": {}}).status_code == 201
    client_id, old = app["oauth2Client"]["id"], app["oauth2Client"]["secret"]
    assert client_credentials(olt_sim, client_id, old, olt_sim.tenant_id).status_code == 200
    response = owner.post(f"{APPS}/{app['id']}/secret")
    assert response.status_code == 201
    new = response.json()["data"]["oauth2Client"]["secret"]
    assert new != old and len(new) == 16
    assert client_credentials(olt_sim, client_id, old, olt_sim.tenant_id).status_code == 401
    assert client_credentials(olt_sim, client_id, new, olt_sim.tenant_id).status_code == 200
    assert "secret" not in owner.get(f"{APPS}/{app['id']}").json()["data"]["oauth2Client"]


def test_allowed_tenants(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    app = create_app(owner)
    base = f"{APPS}/{app['id']}/allowed-tenants"
    assert owner.get(base).json()["data"] == []
    added = owner.put(f"{base}/{other.id}", json={"comment": "plant north"})
    assert added.status_code == 200
    assert added.json()["data"]["comment"] == "plant north" and added.json()["data"]["installed"] is False
    again = owner.put(f"{base}/{other.id}").json()["data"]  # no body: keeps the comment
    assert again == added.json()["data"]
    assert owner.put(f"{base}/{other.id}", json={"comment": "renamed"}).json()["data"]["comment"] == "renamed"
    unknown = "123e4567-e89b-42d3-a456-426655440000"
    assert owner.put(f"{base}/{unknown}", json={}).status_code == 200  # not checked for existence
    assert [a["tenantId"] for a in owner.get(base).json()["data"]] == [other.id, unknown]
    assert owner.delete(f"{base}/{unknown}").status_code == 204
    assert owner.delete(f"{base}/{unknown}").status_code == 404
    assert [a["tenantId"] for a in owner.get(f"{APPS}/{app['id']}").json()["data"]["allowedTenants"]] == [other.id]


def test_delete_application(olt_sim: SimHandle, owner: httpx.Client) -> None:
    app = create_app(owner, allowedTenants=[{"tenantId": olt_sim.tenant_id}], withPublicOauth2Client=True)
    assert owner.post(f"/applications/{app['id']}/installation", json={"permissions": {}}).status_code == 201
    assert owner.delete(f"{APPS}/{app['id']}").status_code == 204
    assert owner.get(f"{APPS}/{app['id']}").status_code == 404
    assert owner.delete(f"{APPS}/{app['id']}").status_code == 404
    assert owner.get(f"/applications/{app['id']}").status_code == 404
    secret = app["oauth2Client"]["secret"]
    assert client_credentials(olt_sim, app["oauth2Client"]["id"], secret, olt_sim.tenant_id).status_code == 401
    assert olt_sim.call(lambda: olt_sim.sim.applications.get_client(app["publicOauth2Client"]["id"])) is None


def test_developer_rights(olt_sim: SimHandle, owner: httpx.Client) -> None:
    app = create_app(owner)
    reader = olt_sim.client("reader@example.com")
    assert reader.get(APPS).status_code == 200
    assert reader.post(APPS, json={"name": "Reader app"}).status_code == 403
    assert reader.patch(f"{APPS}/{app['id']}", json={"name": "Mine"}).status_code == 403
    assert reader.delete(f"{APPS}/{app['id']}").status_code == 403
    assert reader.post(f"{APPS}/{app['id']}/secret").status_code == 403
    assert reader.put(f"{APPS}/{app['id']}/allowed-tenants/{olt_sim.tenant_id}", json={}).status_code == 403


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("GET", ""),
        ("PATCH", ""),
        ("DELETE", ""),
        ("GET", "/allowed-tenants"),
        ("POST", "/secret"),
        ("PUT", "/allowed-tenants/{tenant}"),
        ("DELETE", "/allowed-tenants/{tenant}"),
        ("GET", "/custom-permissions"),
        ("POST", "/custom-permissions"),
    ],
)
def test_developer_isolation(owner: httpx.Client, other: OtherTenant, method: str, suffix: str) -> None:
    app = create_app(owner, allowedTenants=[{"tenantId": other.id}])
    body = {"name": "Hijack", "alias": "x:read", "category": "Cat", "comment": "c"}
    path = f"{APPS}/{app['id']}{suffix.format(tenant=other.id)}"
    response = other.client.request(method, path, json=body if method in ("PATCH", "POST", "PUT") else None)
    assert response.status_code == 404, response.text
    assert owner.get(f"{APPS}/{app['id']}").json()["data"]["name"] == "Sensor App"
    assert other.client.get(APPS).json()["data"] == []
