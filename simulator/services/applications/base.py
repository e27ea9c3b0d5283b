"""What both halves of the applications backend share: clients, lookups, uninstalling, token rights."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simulator.core.clock import iso
from simulator.core.errors import BadRequest, not_found
from simulator.services.applications.models import (
    ACTIVE,
    AllowedTenant,
    Application,
    ApplicationsStore,
    CustomPermission,
    OAuthClient,
    PermissionSet,
)
from simulator.services.backend import Backend
from simulator.services.roles.models import APPLICATION_CAP, PERMISSIONS_BY_ID


class ApplicationsBase(Backend[ApplicationsStore]):
    store_field = "applications"

    # ------------------------------------------------------------------ OAuth2 clients

    def create_client(
        self, name: str, *, public: bool, tenant_ids: list[str], client_id: str | None = None
    ) -> OAuthClient:
        client = OAuthClient(
            id=client_id or self.sim.random.uuid(),
            name=name,
            secret=None if public else self.sim.random.secret(16),
            service_account_id=self.sim.random.uuid(),
            tenant_ids=list(tenant_ids),
        )
        self.store.clients[client.id] = client
        return client

    def get_client(self, client_id: str) -> OAuthClient | None:
        return self.store.clients.get(client_id)

    def clients_of(self, app: Application) -> list[OAuthClient]:
        return [self.store.clients[c] for c in app.client_ids if c in self.store.clients]

    # ------------------------------------------------------------------ lookups

    def _application(self, app_id: str) -> Application:
        app = self.store.applications.get(app_id)
        if app is None:
            raise not_found("Application", app_id)
        return app

    def _find_custom_permission(self, permission_id: str) -> CustomPermission | None:
        for app in self.store.applications.values():
            found = app.custom_permissions.get(permission_id)
            if found is not None:
                return found
        return None

    def custom_permission_usable(self, permission_id: str, tenant_id: str) -> bool:
        """A tenant may put a custom permission into its roles only while the application is installed there."""
        permission = self._find_custom_permission(permission_id)
        if permission is None:
            return False
        return tenant_id in self.store.applications[permission.application_id].installations

    def custom_permission_refs(self, permission_ids: Iterable[str]) -> list[dict[str, str]]:
        refs = []
        for pid in dict.fromkeys(permission_ids):
            permission = self._find_custom_permission(pid)
            if permission is not None:
                refs.append({"id": permission.id, "alias": permission.alias})
        return refs

    def _check_permission_set(self, app: Application, permissions: PermissionSet, path: str) -> None:
        """Declared permissions name platform permissions or the application's own custom ones."""
        problems = [
            {"path": f"{path}.{side}.{index}", "message": f"unknown permission {pid}"}
            for side, ids in (("client", permissions.client), ("user", permissions.user))
            for index, pid in enumerate(ids)
            if pid not in PERMISSIONS_BY_ID and pid not in app.custom_permissions
        ]
        if problems:
            raise BadRequest("Unknown permission(s) in the permission set", details=problems)

    # ------------------------------------------------------------------ installation side effects

    def _link_clients(self, app: Application, tenant_id: str, installed: bool) -> None:
        """An installation is what lets the app's OAuth2 clients act in the tenant."""
        for client in self.clients_of(app):
            if installed and tenant_id not in client.tenant_ids:
                client.tenant_ids.append(tenant_id)
            elif not installed and tenant_id in client.tenant_ids:
                client.tenant_ids.remove(tenant_id)

    def _uninstall(self, app: Application, tenant_id: str) -> None:
        if app.installations.pop(tenant_id, None) is None:
            return
        self._link_clients(app, tenant_id, installed=False)
        self.sim.roles.remove_custom_permissions(app.custom_permissions, tenant_id)

    def token_permissions(
        self, client: OAuthClient, tenant_id: str, user_aliases: frozenset[str] | None
    ) -> frozenset[str]:
        """What a token of this client may do in the tenant: a user's (`user_aliases`) or the service account's (None).

        The realm's own clients (no application) give users their roles' permissions and service accounts the
        application cap. An application's tokens are capped at the writer level without tenant management
        (facts C.4) and limited to what the tenant consented to on installation (`client` for client-credentials
        tokens, `user` for user tokens; facts I.22); an inactive or uninstalled application gets nothing.
        """
        base = APPLICATION_CAP if user_aliases is None else user_aliases
        if client.application_id is None:
            return base
        app = self.store.applications.get(client.application_id)
        installation = app.installations.get(tenant_id) if app is not None and app.status == ACTIVE else None
        if installation is None:
            return frozenset()
        consented = installation.permissions.client if user_aliases is None else installation.permissions.user
        aliases = {PERMISSIONS_BY_ID[p].alias for p in consented if p in PERMISSIONS_BY_ID}
        return base & APPLICATION_CAP & aliases

    # ------------------------------------------------------------------ API views

    def allowed_tenant_api(self, app: Application, allowed: AllowedTenant) -> dict[str, Any]:
        installed = allowed.tenant_id in app.installations
        tenant = self.sim.state.tenants.tenants.get(allowed.tenant_id) if installed else None
        return {
            "tenantId": allowed.tenant_id,
            "createdAt": iso(allowed.created_at),
            "installed": installed,
            "comment": allowed.comment,
            "tenantName": tenant.name if tenant else None,
        }

    def application_api(self, app: Application, with_secret: bool = False) -> dict[str, Any]:
        """The developer's view; the secret only right after creation or regeneration."""
        confidential = self.store.clients[app.client_id]
        view: dict[str, Any] = {
            "id": app.id,
            "name": app.name,
            "teaserDescription": app.teaser_description,
            "url": app.url,
            "withPublicOauth2Client": app.public_client_id is not None,
            "oauth2Client": confidential.to_api(with_secret),
            "tenantId": app.tenant_id,
            "status": app.status,
            "redirectUris": list(app.redirect_uris),
            "allowedTenants": [self.allowed_tenant_api(app, a) for a in app.allowed_tenants.values()],
            "permissions": app.permissions.to_api(),
            "createdAt": iso(app.created_at),
            "updatedAt": iso(app.updated_at),
        }
        if app.public_client_id is not None:
            view["publicOauth2Client"] = self.store.clients[app.public_client_id].to_api()
        return view
