"""Tenant isolation for every account operation: nothing of another tenant is reachable (facts I.25).

The seeded owner also owns the second tenant, so each refusal comes from the token's tenant, not
from missing membership.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from contracts.spec import operations
from simulator.testing import SimHandle
from tests.services.account_helpers import OtherTenant, app_token, create_app, new_user, role_id, tenant_body, user_id

APPS = "/application-developer/applications"


@dataclass
class World:
    sim: SimHandle
    owner: httpx.Client  # bound to the demo tenant
    other: OtherTenant
    role: str  # a custom role of the other tenant
    invite: str  # an open invite of the other tenant
    stranger: str  # a user only in the other tenant
    app: dict[str, Any]  # developed by the other tenant, installed there only
    permission: str  # a custom permission of that app

    def status(self, method: str, path: str, body: Any = None) -> int:
        return self.owner.request(method, path, json=body).status_code

    @property
    def other_app_path(self) -> str:
        return f"{APPS}/{self.app['id']}"


@pytest.fixture
def world(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> World:
    theirs = other.client
    role = theirs.post("/roles", json={"name": "Theirs"}).json()["data"]["id"]
    invite_body = {"receiverEmail": "inv@example.com", "roleNames": ["reader"]}
    invite = theirs.post(f"/tenants/{other.id}/invites", json=invite_body)
    stranger = new_user(olt_sim, "stranger@example.com")
    reader = role_id(theirs, "reader")
    olt_sim.call(lambda: olt_sim.sim.users.add_member(other.id, stranger, [reader]))
    app = create_app(theirs, "Their App", allowedTenants=[{"tenantId": other.id}])
    permission = theirs.post(
        f"{APPS}/{app['id']}/custom-permissions", json={"alias": "a:read", "name": "Read a", "category": "Cat"}
    ).json()["data"]["id"]
    assert theirs.post(f"/applications/{app['id']}/installation", json={"permissions": {}}).status_code == 201
    return World(olt_sim, owner, other, role, invite.json()["data"]["id"], stranger, app, permission)


def _tenant_paths(w: World, method: str, suffix: str, body: Any = None) -> None:
    assert w.status(method, f"/tenants/{w.other.id}{suffix}", body) == 404


def _user_paths(w: World, method: str, suffix: str, body: Any = None) -> None:
    """Another user's self-service data is refused; a foreign tenant's user is not in ours."""
    assert w.status(method, f"/users/{w.stranger}{suffix}", body) == 403


def _own_list_excludes(w: World, path: str, key: str, foreign: str) -> None:
    data = w.owner.get(path, params={"pageSize": 100}).json()["data"]
    assert foreign not in [item[key] for item in data]


def _create_tenant(w: World) -> None:
    created = w.owner.post("/tenants", json=tenant_body("Third")).json()["data"]["id"]
    assert w.status("GET", f"/tenants/{created}") == 404


def _list_user_tenants(w: World) -> None:
    reader = w.sim.client("reader@example.com")
    tenants = reader.get(f"/users/{user_id(w.sim, 'reader@example.com')}/tenants").json()["data"]
    assert [t["id"] for t in tenants] == [w.sim.tenant_id]
    _user_paths(w, "GET", "/tenants")


def _get_user_tenant(w: World) -> None:
    assert w.status("GET", f"/users/{user_id(w.sim, 'owner@example.com')}/tenants/{w.other.id}") == 404
    _user_paths(w, "GET", f"/tenants/{w.other.id}")


def _list_user_permissions(w: World) -> None:
    stranger = w.sim.client(w.sim.token("stranger@example.com", tenant=w.sim.tenant_id))
    assert stranger.get(f"/users/{w.stranger}/permissions").json()["data"]["permissions"] == []
    _user_paths(w, "GET", "/permissions")


def _update_user_invite(w: World) -> None:
    me = user_id(w.sim, "owner@example.com")
    assert w.status("PATCH", f"/users/{me}/invites/{w.invite}", {"status": "accepted"}) == 404
    _user_paths(w, "PATCH", f"/invites/{w.invite}", {"status": "accepted"})


def _delete_tenant_invite(w: World) -> None:
    assert w.status("DELETE", f"/tenants/{w.sim.tenant_id}/invites/{w.invite}") == 404
    _tenant_paths(w, "DELETE", f"/invites/{w.invite}")


def _user_in_own_tenant(w: World, method: str, suffix: str, body: Any = None) -> None:
    assert w.status(method, f"/tenants/{w.sim.tenant_id}/users/{w.stranger}{suffix}", body) == 404
    _tenant_paths(w, method, f"/users/{w.stranger}{suffix}", body)


def _create_role(w: World) -> None:
    body = {"name": "Sneaky", "customPermissions": [{"id": w.permission}]}
    assert w.status("POST", "/roles", body) == 400


def _list_tenant_applications(w: World) -> None:
    _own_list_excludes(w, "/applications", "id", w.app["id"])


def _list_installed_tenants(w: World) -> None:
    mine = create_app(w.owner, "Mine", allowedTenants=[{"tenantId": w.sim.tenant_id}])
    w.owner.post(f"/applications/{mine['id']}/installation", json={"permissions": {}})
    token = app_token(w.sim, mine["oauth2Client"]["id"], mine["oauth2Client"]["secret"], None)
    tenants = w.sim.client(token).get("/application-info/installed-tenants").json()["data"]
    assert tenants == [{"tenantId": w.sim.tenant_id, "name": "Demo Tenant"}]


def _get_own_installation(w: World) -> None:
    token = app_token(w.sim, w.app["oauth2Client"]["id"], w.app["oauth2Client"]["secret"], w.other.id)
    data = w.sim.client(token).get("/application-info/installation").json()["data"]
    assert data["tenantId"] == w.other.id
    demo = w.sim.call(lambda: w.sim.sim.token_for_client(w.app["oauth2Client"]["id"], w.sim.tenant_id))
    assert w.sim.client(demo).get("/application-info/installation").status_code == 404


def refused(method: str, path: Callable[[World], str], body: Any = None) -> Callable[[World], None]:
    """The demo tenant's owner gets a 404 for the other tenant's resource."""

    def check(w: World) -> None:
        assert w.status(method, path(w), body) == 404

    return check


def _list_permissions(w: World) -> None:
    catalogue = w.owner.get("/permissions").json()["data"]["permissions"]
    assert w.permission not in [p["id"] for p in catalogue]


def _create_application(w: World) -> None:
    assert create_app(w.owner, "Their App")["tenantId"] == w.sim.tenant_id  # same name: another tenant's app


def _custom(w: World) -> str:
    return f"{APPS}/{w.app['id']}/custom-permissions"


def _installation(w: World) -> str:
    return f"/applications/{w.app['id']}/installation"


CHECKS: dict[str, Callable[[World], None]] = {
    "createTenant": _create_tenant,
    "getTenant": lambda w: _tenant_paths(w, "GET", ""),
    "updateTenant": lambda w: _tenant_paths(w, "PATCH", "", {"name": "Hijacked"}),
    "listTenantRoles": lambda w: _tenant_paths(w, "GET", "/roles"),
    "getUser": lambda w: _user_paths(w, "GET", ""),
    "listUserTenants": _list_user_tenants,
    "getUserTenant": _get_user_tenant,
    "listUserPermissions": _list_user_permissions,
    "listUserInvites": lambda w: _user_paths(w, "GET", "/invites"),
    "updateUserInvite": _update_user_invite,
    "createTenantInvite": lambda w: _tenant_paths(
        w, "POST", "/invites", {"receiverEmail": "a@example.com", "roleNames": ["reader"]}
    ),
    "listTenantInvites": lambda w: _tenant_paths(w, "GET", "/invites"),
    "deleteTenantInvite": _delete_tenant_invite,
    "listTenantUsers": lambda w: _tenant_paths(w, "GET", "/users"),
    "removeTenantUser": lambda w: _user_in_own_tenant(w, "DELETE", ""),
    "listRoleUsers": refused("GET", lambda w: f"/roles/{w.role}/users"),
    "listTenantUserRoles": lambda w: _user_in_own_tenant(w, "GET", "/roles"),
    "replaceTenantUserRoles": lambda w: _user_in_own_tenant(w, "PUT", "/roles", [{"id": w.role}]),
    "listPermissions": _list_permissions,
    "createRole": _create_role,
    "listRoles": lambda w: _own_list_excludes(w, "/roles", "id", w.role),
    "getRole": refused("GET", lambda w: f"/roles/{w.role}"),
    "deleteRole": refused("DELETE", lambda w: f"/roles/{w.role}"),
    "updateRole": refused("PATCH", lambda w: f"/roles/{w.role}", {"name": "Mine"}),
    "createCustomPermission": refused("POST", _custom, {"alias": "b:read", "name": "Read b", "category": "Cat"}),
    "listCustomPermissions": refused("GET", _custom),
    "getCustomPermission": refused("GET", lambda w: f"{_custom(w)}/{w.permission}"),
    "updateCustomPermission": refused("PATCH", lambda w: f"{_custom(w)}/{w.permission}", {"category": "Mine"}),
    "deleteCustomPermission": refused("DELETE", lambda w: f"{_custom(w)}/{w.permission}"),
    "createApplication": _create_application,
    "listApplications": lambda w: _own_list_excludes(w, APPS, "id", w.app["id"]),
    "getApplication": refused("GET", lambda w: w.other_app_path),
    "deleteApplication": refused("DELETE", lambda w: w.other_app_path),
    "updateApplication": refused("PATCH", lambda w: w.other_app_path, {"name": "Mine"}),
    "listAllowedTenants": refused("GET", lambda w: f"{w.other_app_path}/allowed-tenants"),
    "addAllowedTenant": refused("PUT", lambda w: f"{w.other_app_path}/allowed-tenants/{w.sim.tenant_id}", {}),
    "removeAllowedTenant": refused("DELETE", lambda w: f"{w.other_app_path}/allowed-tenants/{w.other.id}"),
    "regenerateApplicationSecret": refused("POST", lambda w: f"{w.other_app_path}/secret"),
    "listTenantApplications": _list_tenant_applications,
    "getTenantApplication": refused("GET", lambda w: f"/applications/{w.app['id']}"),
    "installApplication": refused("POST", _installation, {"permissions": {}}),
    "getApplicationInstallation": refused("GET", _installation),
    "updateApplicationInstallation": refused("PATCH", _installation, {"permissions": {}}),
    "uninstallApplication": refused("DELETE", _installation),
    "listApplicationPermissions": refused("GET", lambda w: f"/applications/{w.app['id']}/permissions"),
    "listInstalledTenants": _list_installed_tenants,
    "getOwnInstallation": _get_own_installation,
}

ACCOUNT_TAGS = {
    "tenants",
    "users",
    "user-management",
    "roles-and-permissions",
    "application-developer",
    "applications",
    "application-info",
}


def test_every_account_operation_is_checked() -> None:
    ours = {op.operation_id for op in operations() if op.tag in ACCOUNT_TAGS}
    assert ours == set(CHECKS)


@pytest.mark.parametrize("operation_id", sorted(CHECKS))
def test_isolation(world: World, operation_id: str) -> None:
    CHECKS[operation_id](world)
    # whatever was tried, the other tenant's world is intact
    theirs = world.other.client
    assert theirs.get(f"/roles/{world.role}").status_code == 200
    assert theirs.get(f"{APPS}/{world.app['id']}/custom-permissions/{world.permission}").status_code == 200
    assert theirs.get(f"/applications/{world.app['id']}/installation").status_code == 200
    assert [i["status"] for i in theirs.get(f"/tenants/{world.other.id}/invites").json()["data"]] == ["open"]
    assert theirs.get(f"/tenants/{world.other.id}").json()["data"]["name"] == "Other Corp"
