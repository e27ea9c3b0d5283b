"""Applications: the developer's side (facts A.10, A.11), the tenant's side (A.12), application-info (A.13)."""

from __future__ import annotations

from starlette.responses import Response

from simulator.api.access import application_client, tenant_and_app
from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import created, no_content, ok, paged
from simulator.services.applications.inputs import (
    ApplicationChanges,
    CustomPermissionChanges,
    NewApplication,
    NewCustomPermission,
)
from simulator.services.applications.models import PermissionSet

# ---------------------------------------------------------------------- developer: applications


@operation("createApplication")
async def create_application(call: Call) -> Response:
    apps = call.sim.applications
    new = NewApplication.from_api(call.body)
    return created(apps.application_api(apps.create_application(call.tenant_id, new), with_secret=True))


@operation("listApplications")
async def list_applications(call: Call) -> Response:
    apps = call.sim.applications
    return paged(apps.list_applications(call.tenant_id), call.page, call.page_size, apps.application_api)


@operation("getApplication")
async def get_application(call: Call) -> Response:
    apps = call.sim.applications
    return ok(apps.application_api(apps.get_application(*tenant_and_app(call))))


@operation("updateApplication")
async def update_application(call: Call) -> Response:
    apps = call.sim.applications
    changes = ApplicationChanges.from_api(call.body)
    return ok(apps.application_api(apps.update_application(*tenant_and_app(call), changes)))


@operation("deleteApplication")
async def delete_application(call: Call) -> Response:
    call.sim.applications.delete_application(*tenant_and_app(call))
    return no_content()


@operation("regenerateApplicationSecret")
async def regenerate_application_secret(call: Call) -> Response:
    apps = call.sim.applications
    return created(apps.application_api(apps.regenerate_application_secret(*tenant_and_app(call)), with_secret=True))


# ---------------------------------------------------------------------- developer: allowed tenants


@operation("listAllowedTenants")
async def list_allowed_tenants(call: Call) -> Response:
    apps = call.sim.applications
    app = apps.get_application(*tenant_and_app(call))
    allowed = apps.list_allowed_tenants(*tenant_and_app(call))
    return paged(allowed, call.page, call.page_size, lambda a: apps.allowed_tenant_api(app, a))


@operation("addAllowedTenant")
async def add_allowed_tenant(call: Call) -> Response:
    apps = call.sim.applications
    comment = call.body.get("comment") if isinstance(call.body, dict) else None
    allowed = apps.add_allowed_tenant(*tenant_and_app(call), str(call.path["tenantId"]), comment)
    return ok(apps.allowed_tenant_api(apps.get_application(*tenant_and_app(call)), allowed))


@operation("removeAllowedTenant")
async def remove_allowed_tenant(call: Call) -> Response:
    call.sim.applications.remove_allowed_tenant(*tenant_and_app(call), str(call.path["tenantId"]))
    return no_content()


# ---------------------------------------------------------------------- developer: custom permissions


@operation("createCustomPermission")
async def create_custom_permission(call: Call) -> Response:
    new = NewCustomPermission.from_api(call.body)
    return created(call.sim.applications.create_custom_permission(*tenant_and_app(call), new).to_api())


@operation("listCustomPermissions")
async def list_custom_permissions(call: Call) -> Response:
    permissions = call.sim.applications.list_custom_permissions(*tenant_and_app(call))
    return paged(permissions, call.page, call.page_size, lambda p: p.to_api())


@operation("getCustomPermission")
async def get_custom_permission(call: Call) -> Response:
    permission_id = str(call.path["permissionId"])
    return ok(call.sim.applications.get_custom_permission(*tenant_and_app(call), permission_id).to_api())


@operation("updateCustomPermission")
async def update_custom_permission(call: Call) -> Response:
    permission_id = str(call.path["permissionId"])
    changes = CustomPermissionChanges.from_api(call.body)
    return ok(call.sim.applications.update_custom_permission(*tenant_and_app(call), permission_id, changes).to_api())


@operation("deleteCustomPermission")
async def delete_custom_permission(call: Call) -> Response:
    call.sim.applications.delete_custom_permission(*tenant_and_app(call), str(call.path["permissionId"]))
    return no_content()


# ---------------------------------------------------------------------- tenant side


@operation("listTenantApplications")
async def list_tenant_applications(call: Call) -> Response:
    tenant_id = call.tenant_id
    apps = call.sim.applications.list_tenant_applications(tenant_id, call.query.get("installed"))
    return paged(apps, call.page, call.page_size, lambda a: a.tenant_view(tenant_id))


@operation("getTenantApplication")
async def get_tenant_application(call: Call) -> Response:
    return ok(call.sim.applications.get_tenant_application(*tenant_and_app(call)).tenant_view(call.tenant_id))


@operation("installApplication")
async def install_application(call: Call) -> Response:
    permissions = PermissionSet.from_api(call.body.get("permissions"))
    return created(call.sim.applications.install_application(*tenant_and_app(call), permissions).to_api())


@operation("getApplicationInstallation")
async def get_application_installation(call: Call) -> Response:
    return ok(call.sim.applications.get_application_installation(*tenant_and_app(call)).to_api())


@operation("updateApplicationInstallation")
async def update_application_installation(call: Call) -> Response:
    permissions = PermissionSet.from_api(call.body.get("permissions"))
    return ok(call.sim.applications.update_application_installation(*tenant_and_app(call), permissions).to_api())


@operation("uninstallApplication")
async def uninstall_application(call: Call) -> Response:
    call.sim.applications.uninstall_application(*tenant_and_app(call))
    return no_content()


@operation("listApplicationPermissions")
async def list_application_permissions(call: Call) -> Response:
    return ok(call.sim.applications.list_application_permissions(*tenant_and_app(call)).to_api())


# ---------------------------------------------------------------------- application-info


@operation("listInstalledTenants")
async def list_installed_tenants(call: Call) -> Response:
    apps = call.sim.applications
    installations = apps.list_installed_tenants(application_client(call, tenant_bound=False))
    return paged(installations, call.page, call.page_size, apps.installed_tenant_api)


@operation("getOwnInstallation")
async def get_own_installation(call: Call) -> Response:
    client_id = application_client(call, tenant_bound=True)
    return ok(call.sim.applications.get_own_installation(client_id, call.tenant_id).to_api())
