"""Roles and the platform permission catalogue (facts A.9, C.4)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import created, json_response, no_content, ok, paged
from simulator.services.roles import delegation
from simulator.services.roles.inputs import NewRole, RoleChanges, Unset
from simulator.services.roles.models import RolesBackend


@operation("listPermissions")
async def list_permissions(call: Call) -> Response:
    """`data` is an object holding `permissions`; `meta` carries `totalSize` (facts B.2)."""
    permissions = call.sim.roles.list_permissions()
    total = len(permissions)
    meta = {"page": 0, "pageSize": total, "totalSize": total, "itemsTotal": total, "pagesTotal": 1}
    return json_response({"data": {"permissions": [p.to_api() for p in permissions]}, "meta": meta})


def _check_grant(call: Call, role: NewRole | RoleChanges) -> None:
    """The role's new permissions must be the caller's own (delegation.py)."""
    principal = call.principal
    assert principal is not None  # a secured operation
    who = delegation.grantor(call.sim, call.tenant_id, principal.user_id, principal.permissions)
    permissions, custom = role.permissions, role.custom_permission_ids
    permission_ids = [] if isinstance(permissions, Unset) else RolesBackend.permission_ids(permissions)
    delegation.check_permissions(who, permission_ids, [] if isinstance(custom, Unset) else list(custom))


@operation("createRole")
async def create_role(call: Call) -> Response:
    new = NewRole.from_api(call.body)
    _check_grant(call, new)
    return created(call.sim.roles.role_api(call.sim.roles.create_role(call.tenant_id, new)))


@operation("listRoles")
async def list_roles(call: Call) -> Response:
    user_id = call.query.get("userId")
    roles = call.sim.roles.list_roles(call.tenant_id, str(user_id) if user_id else None)
    return paged(roles, call.page, call.page_size, call.sim.roles.role_api)


@operation("getRole")
async def get_role(call: Call) -> Response:
    return ok(call.sim.roles.role_api(call.sim.roles.get_role(call.tenant_id, str(call.path["roleId"]))))


@operation("updateRole")
async def update_role(call: Call) -> Response:
    changes = RoleChanges.from_api(call.body)
    _check_grant(call, changes)
    role = call.sim.roles.update_role(call.tenant_id, str(call.path["roleId"]), changes)
    return ok(call.sim.roles.role_api(role))


@operation("deleteRole")
async def delete_role(call: Call) -> Response:
    call.sim.roles.delete_role(call.tenant_id, str(call.path["roleId"]))
    return no_content()
