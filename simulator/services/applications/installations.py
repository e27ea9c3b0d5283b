"""The installing tenant's side, and what an application learns about its own installations."""

from __future__ import annotations

from typing import Any

from simulator.core.changes import records_change
from simulator.core.errors import BadRequest, Conflict, Forbidden, not_found
from simulator.services.applications.base import ApplicationsBase
from simulator.services.applications.models import ACTIVE, Application, Installation, OAuthClient, PermissionSet


class InstallationOperations(ApplicationsBase):
    def _visible(self, tenant_id: str, app_id: str) -> Application:
        """A tenant sees the applications it may install or has installed; any other is a 404."""
        app = self.store.applications.get(app_id)
        if app is None or (tenant_id not in app.allowed_tenants and tenant_id not in app.installations):
            raise not_found("Application", app_id)
        return app

    def _installation(self, tenant_id: str, app_id: str) -> tuple[Application, Installation]:
        app = self._visible(tenant_id, app_id)
        installation = app.installations.get(tenant_id)
        if installation is None:
            raise not_found("Installation of application", app_id)
        return app, installation

    @staticmethod
    def _consent(app: Application, given: PermissionSet) -> PermissionSet:
        """Installing (or re-consenting) takes exactly the application's full permission set (facts I.22)."""
        if not given.same_as(app.permissions):
            raise BadRequest(
                "The permissions must be the application's full permission set "
                "(see GET /applications/{applicationId}/permissions)",
                code="PERMISSIONS_MISMATCH",
                details=[{"path": "body.permissions", "message": "does not equal the required permission set"}],
            )
        return PermissionSet(list(app.permissions.client), list(app.permissions.user))

    # ------------------------------------------------------------------ tenant side

    def list_tenant_applications(self, tenant_id: str, installed: bool | None = None) -> list[Application]:
        apps = [
            a
            for a in self.store.applications.values()
            if tenant_id in a.installations or (not installed and tenant_id in a.allowed_tenants)
        ]
        return sorted(apps, key=lambda a: a.created_at)

    def get_tenant_application(self, tenant_id: str, app_id: str) -> Application:
        return self._visible(tenant_id, app_id)

    @records_change("installApplication", resource="app_id")
    def install_application(self, tenant_id: str, app_id: str, permissions: PermissionSet) -> Installation:
        """Installing lets the app's OAuth2 clients act in the tenant (client_credentials, code flow)."""
        app = self._visible(tenant_id, app_id)
        if tenant_id in app.installations:
            raise Conflict("The application is installed already", code="ALREADY_INSTALLED")
        if app.status != ACTIVE:
            raise Forbidden("The application is inactive and cannot be installed", code="APP_INACTIVE")
        permissions = self._consent(app, permissions)
        now = self.sim.clock.now()
        installation = app.installations[tenant_id] = Installation(app.id, tenant_id, now, now, permissions)
        self._link_clients(app, tenant_id, installed=True)
        return installation

    def get_application_installation(self, tenant_id: str, app_id: str) -> Installation:
        return self._installation(tenant_id, app_id)[1]

    @records_change("updateApplicationInstallation", resource="app_id")
    def update_application_installation(self, tenant_id: str, app_id: str, permissions: PermissionSet) -> Installation:
        app, installation = self._installation(tenant_id, app_id)
        installation.permissions = self._consent(app, permissions)
        installation.updated_at = self.sim.clock.now()
        return installation

    @records_change("uninstallApplication", resource="app_id")
    def uninstall_application(self, tenant_id: str, app_id: str) -> None:
        """The app loses access to the tenant and its custom permissions leave the tenant's roles."""
        app, _ = self._installation(tenant_id, app_id)
        self._uninstall(app, tenant_id)

    def list_application_permissions(self, tenant_id: str, app_id: str) -> PermissionSet:
        return self._visible(tenant_id, app_id).permissions

    # ------------------------------------------------------------------ application-info (the app itself)

    def _own_application(self, client: OAuthClient | None) -> Application:
        app = self.store.applications.get(client.application_id or "") if client is not None else None
        if app is None:
            raise not_found("Application of client", client.id if client else "")
        return app

    def list_installed_tenants(self, client_id: str) -> list[Installation]:
        app = self._own_application(self.get_client(client_id))
        return sorted(app.installations.values(), key=lambda i: i.created_at)

    def get_own_installation(self, client_id: str, tenant_id: str) -> Installation:
        app = self._own_application(self.get_client(client_id))
        installation = app.installations.get(tenant_id)
        if installation is None:
            raise not_found("Installation in tenant", tenant_id)
        return installation

    def installed_tenant_api(self, installation: Installation) -> dict[str, Any]:
        tenant = self.sim.state.tenants.tenants.get(installation.tenant_id)
        return {"tenantId": installation.tenant_id, "name": tenant.name if tenant else ""}
