"""Custom permissions (facts A.10, C.4, I.33, I.34): defined by the developer, usable in roles while installed."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from simulator.testing import SimHandle
from tests.services.account_helpers import OtherTenant, create_app, role_id, user_id

APPS = "/application-developer/applications"
SAMPLE = {
    "alias": "sample-resource:read",
    "name": "Read sample resource",
    "category": "Sample resource",
    "description": "Allows to read the sample resource.",
}


def custom_permission(owner: httpx.Client, app: dict[str, Any], **body: Any) -> dict[str, Any]:
    response = owner.post(f"{APPS}/{app['id']}/custom-permissions", json={**SAMPLE, **body})
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def test_crud(olt_sim: SimHandle, owner: httpx.Client) -> None:
    app = create_app(owner)
    created = custom_permission(owner, app)
    assert {k: created[k] for k in SAMPLE} == SAMPLE and created["applicationId"] == app["id"]
    base = f"{APPS}/{app['id']}/custom-permissions"
    assert owner.get(f"{base}/{created['id']}").json()["data"] == created
    assert owner.get(base).json()["data"] == [created]
    olt_sim.advance(2)
    change = {"category": "Samples", "description": "Reads"}
    updated = owner.patch(f"{base}/{created['id']}", json=change).json()["data"]
    assert (updated["category"], updated["description"], updated["alias"]) == ("Samples", "Reads", SAMPLE["alias"])
    assert updated["updatedAt"] > created["updatedAt"]
    assert owner.patch(f"{base}/{created['id']}", json={"category": "x!"}).status_code == 400
    assert owner.post(base, json={**SAMPLE, "name": "Other name"}).status_code == 409  # alias taken
    assert owner.delete(f"{base}/{created['id']}").status_code == 204
    assert owner.get(f"{base}/{created['id']}").status_code == 404
    assert owner.delete(f"{base}/{created['id']}").status_code == 404


@pytest.mark.parametrize(
    "bad", [{"alias": "ab"}, {"name": "Bad/name"}, {"category": "no"}, {"category": "a" * 33}, {"alias": None}]
)
def test_validation(owner: httpx.Client, bad: dict[str, Any]) -> None:
    app = create_app(owner)
    body = {k: v for k, v in {**SAMPLE, **bad}.items() if v is not None}
    assert owner.post(f"{APPS}/{app['id']}/custom-permissions", json=body).status_code == 400


def test_roles_take_custom_permissions_only_while_installed(
    olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant
) -> None:
    app = create_app(owner, allowedTenants=[{"tenantId": other.id}])
    permission = custom_permission(owner, app)
    ref = [{"id": permission["id"]}]
    response = other.client.post("/roles", json={"name": "Sample readers", "customPermissions": ref})
    assert response.status_code == 400 and response.json()["details"][0]["path"] == "body.customPermissions.0"
    app = owner.patch(f"{APPS}/{app['id']}", json={"permissions": {"user": ref}}).json()["data"]
    path = f"/applications/{app['id']}/installation"
    assert other.client.post(path, json={"permissions": app["permissions"]}).status_code == 201
    role = other.client.post("/roles", json={"name": "Sample readers", "customPermissions": ref}).json()["data"]
    assert role["customPermissionIds"] == [permission["id"]]
    # the developer tenant has not installed it
    assert owner.post("/roles", json={"name": "Sample readers", "customPermissions": ref}).status_code == 400

    # a member holding the role sees the custom permission among their permissions
    me = user_id(olt_sim, "owner@example.com")
    other.client.put(
        f"/tenants/{other.id}/users/{me}/roles", json=[{"id": role_id(other.client, "owner")}, {"id": role["id"]}]
    )
    refs = other.client.get(f"/users/{me}/permissions").json()["data"]["permissions"]
    assert {"id": permission["id"], "alias": "sample-resource:read"} in refs

    assert other.client.delete(path).status_code == 204
    assert other.client.get(f"/roles/{role['id']}").json()["data"]["customPermissionIds"] == []
    refs = other.client.get(f"/users/{me}/permissions").json()["data"]["permissions"]
    assert permission["id"] not in [r["id"] for r in refs]


def test_delete_removes_from_roles_and_permission_sets(owner: httpx.Client, other: OtherTenant) -> None:
    app = create_app(owner, allowedTenants=[{"tenantId": other.id}])
    permission = custom_permission(owner, app)
    keep = custom_permission(owner, app, alias="sample-resource:write", name="Write sample resource")
    refs = [{"id": permission["id"]}, {"id": keep["id"]}]
    app = owner.patch(f"{APPS}/{app['id']}", json={"permissions": {"client": refs}}).json()["data"]
    other.client.post(f"/applications/{app['id']}/installation", json={"permissions": app["permissions"]})
    role = other.client.post("/roles", json={"name": "Samplers", "customPermissions": refs}).json()["data"]
    assert owner.delete(f"{APPS}/{app['id']}/custom-permissions/{permission['id']}").status_code == 204
    assert other.client.get(f"/roles/{role['id']}").json()["data"]["customPermissionIds"] == [keep["id"]]
    assert owner.get(f"{APPS}/{app['id']}").json()["data"]["permissions"]["client"] == [{"id": keep["id"]}]
    installation = other.client.get(f"/applications/{app['id']}/installation").json()["data"]
    assert installation["permissions"]["client"] == [{"id": keep["id"]}]


def test_deleting_the_app_removes_its_custom_permissions_from_roles(owner: httpx.Client, other: OtherTenant) -> None:
    app = create_app(owner, allowedTenants=[{"tenantId": other.id}])
    permission = custom_permission(owner, app)
    other.client.post(f"/applications/{app['id']}/installation", json={"permissions": app["permissions"]})
    role = other.client.post("/roles", json={"name": "Samplers", "customPermissions": [{"id": permission["id"]}]})
    assert owner.delete(f"{APPS}/{app['id']}").status_code == 204
    assert other.client.get(f"/roles/{role.json()['data']['id']}").json()["data"]["customPermissionIds"] == []


def test_only_the_developer_tenant_manages_them(owner: httpx.Client, other: OtherTenant, olt_sim: SimHandle) -> None:
    app = create_app(owner, allowedTenants=[{"tenantId": other.id}])
    permission = custom_permission(owner, app)
    item = f"{APPS}/{app['id']}/custom-permissions/{permission['id']}"
    assert other.client.get(item).status_code == 404
    assert other.client.patch(item, json={"category": "Mine"}).status_code == 404
    assert other.client.delete(item).status_code == 404
    assert owner.get(item).json()["data"]["category"] == SAMPLE["category"]
    reader = olt_sim.client("reader@example.com")
    assert reader.get(item).status_code == 200
    assert reader.patch(item, json={"category": "Mine"}).status_code == 403
    assert reader.delete(item).status_code == 403
    assert reader.post(f"{APPS}/{app['id']}/custom-permissions", json=SAMPLE).status_code == 403
