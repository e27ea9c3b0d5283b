"""The developer tenant's side: registering applications, allowed tenants, secrets, custom permissions."""

from __future__ import annotations

from simulator.core.changes import records_change
from simulator.core.errors import Conflict, not_found
from simulator.core.patch import Unset
from simulator.services.applications.base import ApplicationsBase
from simulator.services.applications.inputs import (
    ApplicationChanges,
    CustomPermissionChanges,
    NewApplication,
    NewCustomPermission,
)
from simulator.services.applications.models import (
    AllowedTenant,
    Application,
    CustomPermission,
)

DETAILS = ("teaser_description", "url", "status")  # set as given by a PATCH


class DeveloperOperations(ApplicationsBase):
    def _developed(self, tenant_id: str, app_id: str) -> Application:
        """Only the developer tenant sees an application from this side; for anyone else it does not exist."""
        app = self.store.applications.get(app_id)
        if app is None or app.tenant_id != tenant_id:
            raise not_found("Application", app_id)
        return app

    def _unique_name(self, tenant_id: str, name: str, app_id: str | None = None) -> None:
        wanted = name.lower()
        for app in self.store.applications.values():
            if app.tenant_id == tenant_id and app.id != app_id and app.name.lower() == wanted:
                raise Conflict(f"An application named {name!r} exists already", code="APPLICATION_EXISTS")

    # ------------------------------------------------------------------ applications

    @records_change("createApplication", created=True)
    def create_application(self, tenant_id: str, new: NewApplication) -> Application:
        """Register the app with a confidential client (and, on request, a public one); no tenant is allowed yet."""
        self._unique_name(tenant_id, new.name)
        now = self.sim.clock.now()
        app_id = self.sim.random.uuid()
        client = self.create_client(new.name, public=False, tenant_ids=[])
        app = Application(
            id=app_id, tenant_id=tenant_id, name=new.name, client_id=client.id, created_at=now, updated_at=now
        )
        self._check_permission_set(app, new.permissions, "body.permissions")
        app.permissions = new.permissions
        app.teaser_description, app.url = new.teaser_description, new.url
        app.redirect_uris = list(dict.fromkeys(new.redirect_uris))
        client.application_id, client.redirect_uris = app.id, list(app.redirect_uris)
        self.store.applications[app.id] = app
        if new.with_public_oauth2_client:
            self._add_public_client(app)
        for allowed_id, comment in new.allowed_tenants.items():
            app.allowed_tenants[allowed_id] = AllowedTenant(allowed_id, now, comment)
        return app

    def _add_public_client(self, app: Application) -> None:
        public = self.create_client(app.name, public=True, tenant_ids=list(app.installations))
        public.application_id, public.redirect_uris = app.id, list(app.redirect_uris)
        app.public_client_id = public.id

    def list_applications(self, tenant_id: str) -> list[Application]:
        apps = [a for a in self.store.applications.values() if a.tenant_id == tenant_id]
        return sorted(apps, key=lambda a: a.created_at)

    def get_application(self, tenant_id: str, app_id: str) -> Application:
        return self._developed(tenant_id, app_id)

    @records_change("updateApplication", resource="app_id")
    def update_application(self, tenant_id: str, app_id: str, changes: ApplicationChanges) -> Application:
        app = self._developed(tenant_id, app_id)
        if not isinstance(changes.name, Unset):
            self._unique_name(tenant_id, changes.name, app.id)
        if not isinstance(changes.permissions, Unset):
            self._check_permission_set(app, changes.permissions, "body.permissions")
            app.permissions = changes.permissions
        if not isinstance(changes.name, Unset):
            app.name = changes.name
        for attribute in DETAILS:
            value = getattr(changes, attribute)
            if not isinstance(value, Unset):
                setattr(app, attribute, value)
        if not isinstance(changes.redirect_uris, Unset):
            app.redirect_uris = list(dict.fromkeys(changes.redirect_uris))
            for client in self.clients_of(app):
                client.redirect_uris = list(app.redirect_uris)
        wants_public = changes.with_public_oauth2_client
        if wants_public is True and app.public_client_id is None:  # UNSET and None keep the client as it is
            self._add_public_client(app)
        elif wants_public is False and app.public_client_id is not None:
            self.store.clients.pop(app.public_client_id, None)
            app.public_client_id = None
        app.updated_at = self.sim.clock.now()
        return app

    @records_change("deleteApplication", resource="app_id")
    def delete_application(self, tenant_id: str, app_id: str) -> None:
        """Installations end, the clients stop working and the custom permissions leave every role."""
        app = self._developed(tenant_id, app_id)
        for installed_in in list(app.installations):
            self._uninstall(app, installed_in)
        self.sim.roles.remove_custom_permissions(app.custom_permissions)
        for client_id in app.client_ids:
            self.store.clients.pop(client_id, None)
        del self.store.applications[app.id]

    @records_change("regenerateApplicationSecret", resource="app_id")
    def regenerate_application_secret(self, tenant_id: str, app_id: str) -> Application:
        app = self._developed(tenant_id, app_id)
        self.store.clients[app.client_id].secret = self.sim.random.secret(16)
        app.updated_at = self.sim.clock.now()
        return app

    # ------------------------------------------------------------------ allowed tenants

    def list_allowed_tenants(self, tenant_id: str, app_id: str) -> list[AllowedTenant]:
        return list(self._developed(tenant_id, app_id).allowed_tenants.values())

    @records_change("addAllowedTenant", resource="allowed_id")
    def add_allowed_tenant(self, tenant_id: str, app_id: str, allowed_id: str, comment: str | None) -> AllowedTenant:
        """Idempotent; a repeated PUT only changes the comment. The tenant id is not checked (facts A.11)."""
        app = self._developed(tenant_id, app_id)
        allowed = app.allowed_tenants.get(allowed_id)
        if allowed is None:
            allowed = app.allowed_tenants[allowed_id] = AllowedTenant(allowed_id, self.sim.clock.now(), comment)
        elif comment is not None:
            allowed.comment = comment
        return allowed

    @records_change("removeAllowedTenant", resource="allowed_id")
    def remove_allowed_tenant(self, tenant_id: str, app_id: str, allowed_id: str) -> None:
        """A tenant that is no longer allowed loses its installation too (the clients stop working there)."""
        app = self._developed(tenant_id, app_id)
        if app.allowed_tenants.pop(allowed_id, None) is None:
            raise not_found("Allowed tenant", allowed_id)
        self._uninstall(app, allowed_id)

    # ------------------------------------------------------------------ custom permissions

    def _custom_permission(self, tenant_id: str, app_id: str, permission_id: str) -> CustomPermission:
        permission = self._developed(tenant_id, app_id).custom_permissions.get(permission_id)
        if permission is None:
            raise not_found("Custom permission", permission_id)
        return permission

    @records_change("createCustomPermission", created=True, resource="app_id")
    def create_custom_permission(self, tenant_id: str, app_id: str, new: NewCustomPermission) -> CustomPermission:
        app = self._developed(tenant_id, app_id)
        if any(p.alias == new.alias for p in app.custom_permissions.values()):
            raise Conflict(f"A custom permission with alias {new.alias!r} exists already", code="PERMISSION_EXISTS")
        now = self.sim.clock.now()
        permission = CustomPermission(
            id=self.sim.random.uuid(),
            application_id=app.id,
            alias=new.alias,
            name=new.name,
            description=new.description,
            category=new.category,
            created_at=now,
            updated_at=now,
        )
        app.custom_permissions[permission.id] = permission
        return permission

    def list_custom_permissions(self, tenant_id: str, app_id: str) -> list[CustomPermission]:
        return list(self._developed(tenant_id, app_id).custom_permissions.values())

    def get_custom_permission(self, tenant_id: str, app_id: str, permission_id: str) -> CustomPermission:
        return self._custom_permission(tenant_id, app_id, permission_id)

    @records_change("updateCustomPermission", resource="permission_id")
    def update_custom_permission(
        self, tenant_id: str, app_id: str, permission_id: str, changes: CustomPermissionChanges
    ) -> CustomPermission:
        """Only `category` and `description` change; `name` and `alias` are immutable."""
        permission = self._custom_permission(tenant_id, app_id, permission_id)
        if not isinstance(changes.category, Unset):
            permission.category = changes.category
        if not isinstance(changes.description, Unset):
            permission.description = changes.description
        permission.updated_at = self.sim.clock.now()
        return permission

    @records_change("deleteCustomPermission", resource="permission_id")
    def delete_custom_permission(self, tenant_id: str, app_id: str, permission_id: str) -> None:
        """Gone from the app, from its declared and consented permission sets, and from every role."""
        permission = self._custom_permission(tenant_id, app_id, permission_id)
        app = self.store.applications[permission.application_id]
        del app.custom_permissions[permission.id]
        app.permissions.without({permission.id})
        for installation in app.installations.values():
            installation.permissions.without({permission.id})
        self.sim.roles.remove_custom_permissions([permission.id])
