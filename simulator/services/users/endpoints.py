"""Users' self-service (facts A.7) and the tenant's user management (facts A.8)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.access import path_tenant, path_user_is_caller
from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import created, no_content, ok, paged
from simulator.core.errors import not_found
from simulator.services.roles import delegation
from simulator.services.users.models import role_ids_from_body

# ---------------------------------------------------------------------- self-service


@operation("getUser")
async def get_user(call: Call) -> Response:
    return ok(call.sim.users.get_user(path_user_is_caller(call)).to_api())


@operation("listUserTenants")
async def list_user_tenants(call: Call) -> Response:
    user_id = path_user_is_caller(call)
    tenants = call.sim.users.list_user_tenants(user_id)
    return paged(tenants, call.page, call.page_size, lambda t: call.sim.users.user_tenant_api(user_id, t))


@operation("getUserTenant")
async def get_user_tenant(call: Call) -> Response:
    """Only the token's tenant (facts A.7 #18); another one is a 404 even for a member."""
    user_id = path_user_is_caller(call)
    tenant_id = str(call.path["tenantId"])
    if tenant_id != call.tenant_id:
        raise not_found("Tenant", tenant_id)
    return ok(call.sim.users.user_tenant_api(user_id, call.sim.users.get_user_tenant(user_id, tenant_id)))


@operation("listUserPermissions")
async def list_user_permissions(call: Call) -> Response:
    user_id = path_user_is_caller(call)
    return ok({"permissions": call.sim.users.list_user_permissions(call.tenant_id, user_id)})


@operation("listUserInvites")
async def list_user_invites(call: Call) -> Response:
    invites = call.sim.users.list_user_invites(path_user_is_caller(call), call.query.get("status"))
    return paged(invites, call.page, call.page_size, call.sim.users.invite_api)


@operation("updateUserInvite")
async def update_user_invite(call: Call) -> Response:
    user_id = path_user_is_caller(call)
    invite = call.sim.users.update_user_invite(user_id, str(call.path["inviteId"]), call.body["status"])
    return ok(call.sim.users.invite_api(invite))


# ---------------------------------------------------------------------- tenant user management


def _grantor(call: Call, tenant_id: str) -> delegation.Grantor:
    assert call.principal is not None  # a secured operation
    return delegation.grantor(call.sim, tenant_id, call.principal.user_id, call.principal.permissions)


@operation("createTenantInvite")
async def create_tenant_invite(call: Call) -> Response:
    body = call.body
    roles = [item["id"] for item in body.get("roles") or []]
    named = [call.sim.roles.role_named(call.tenant_id, str(name)) for name in body.get("roleNames") or []]
    wanted = roles or [role.id for role in named if role is not None]
    delegation.check_assignment(call.sim, _grantor(call, path_tenant(call)), wanted, None)
    invite = call.sim.users.create_tenant_invite(path_tenant(call), body["receiverEmail"], roles, body.get("roleNames"))
    return created(call.sim.users.invite_api(invite))


@operation("listTenantInvites")
async def list_tenant_invites(call: Call) -> Response:
    invites = call.sim.users.list_tenant_invites(path_tenant(call), call.query.get("status"))
    return paged(invites, call.page, call.page_size, call.sim.users.invite_api)


@operation("deleteTenantInvite")
async def delete_tenant_invite(call: Call) -> Response:
    call.sim.users.delete_tenant_invite(path_tenant(call), str(call.path["inviteId"]))
    return no_content()


@operation("listTenantUsers")
async def list_tenant_users(call: Call) -> Response:
    tenant_id = path_tenant(call)
    users = call.sim.users.list_tenant_users(tenant_id)
    return paged(users, call.page, call.page_size, lambda u: call.sim.users.tenant_user_api(tenant_id, u))


@operation("removeTenantUser")
async def remove_tenant_user(call: Call) -> Response:
    delegation.check_removal(call.sim, _grantor(call, path_tenant(call)), str(call.path["userId"]))
    call.sim.users.remove_tenant_user(path_tenant(call), str(call.path["userId"]))
    return no_content()


@operation("listRoleUsers")
async def list_role_users(call: Call) -> Response:
    tenant_id = call.tenant_id
    users = call.sim.users.list_role_users(tenant_id, str(call.path["roleId"]))
    return paged(users, call.page, call.page_size, lambda u: call.sim.users.tenant_user_api(tenant_id, u))


@operation("listTenantUserRoles")
async def list_tenant_user_roles(call: Call) -> Response:
    tenant_id = path_tenant(call)
    role_ids = call.sim.users.list_tenant_user_roles(tenant_id, str(call.path["userId"]))
    return paged(call.sim.roles.roles_of(tenant_id, role_ids), call.page, call.page_size, call.sim.roles.role_api)


@operation("replaceTenantUserRoles")
async def replace_tenant_user_roles(call: Call) -> Response:
    who, user_id = _grantor(call, path_tenant(call)), str(call.path["userId"])
    delegation.check_assignment(call.sim, who, role_ids_from_body(call.body), user_id)
    call.sim.users.replace_tenant_user_roles(path_tenant(call), str(call.path["userId"]), role_ids_from_body(call.body))
    return no_content()
