"""Tenant endpoints (facts A.6): create (caller becomes owner), read, update, deprecated role list."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.access import human, path_tenant
from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import created, ok, paged
from simulator.services.tenants.models import TenantChanges, details_from_api


@operation("createTenant")
async def create_tenant(call: Call) -> Response:
    owner = human(call)
    tenant = call.sim.tenants.create_tenant(call.body["name"], owner, **details_from_api(call.body))
    return created(tenant.to_api())


@operation("getTenant")
async def get_tenant(call: Call) -> Response:
    return ok(call.sim.tenants.get_tenant(path_tenant(call)).to_api())


@operation("updateTenant")
async def update_tenant(call: Call) -> Response:
    return ok(call.sim.tenants.update_tenant(path_tenant(call), TenantChanges.from_api(call.body)).to_api())


@operation("listTenantRoles")
async def list_tenant_roles(call: Call) -> Response:
    roles = call.sim.roles.list_roles(path_tenant(call))
    return paged(roles, call.page, call.page_size, call.sim.roles.role_api)
