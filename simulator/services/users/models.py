"""Users and their tenant memberships (which roles a user holds in which tenant).

Invites (how a user joins a tenant) live in invites.py; UsersBackend combines both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.core.changes import records_change
from simulator.core.errors import BadRequest, not_found
from simulator.services.users.invites import Invite, InviteOperations

__all__ = ["Invite", "User", "UsersBackend", "UsersStore", "role_ids_from_body"]


def role_ids_from_body(body: Any) -> list[str]:
    """PUT .../roles takes `[{id}]`, `{id}` or `{roles: [{id}]}` (facts I.15)."""
    if isinstance(body, list):
        return [item["id"] for item in body]
    if "roles" in body:
        return [item["id"] for item in body["roles"]]
    return [body["id"]]


@dataclass
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    created_at: datetime

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "firstName": self.first_name, "lastName": self.last_name}

    def claims(self) -> dict[str, Any]:
        """The OIDC claims of this user: in ID and access tokens and from userinfo."""
        return {
            "email": self.email,
            "email_verified": True,
            "name": self.name,
            "given_name": self.first_name,
            "family_name": self.last_name,
            "preferred_username": self.email,
        }

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class UsersStore:
    users: dict[str, User] = field(default_factory=dict)
    memberships: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # tenant -> user -> role ids
    invites: dict[str, Invite] = field(default_factory=dict)


class UsersBackend(InviteOperations):
    # ------------------------------------------------------------------ users and memberships

    def create_user(self, email: str, first_name: str = "", last_name: str = "") -> User:
        user = User(self.sim.random.uuid(), email, first_name, last_name, self.sim.clock.now())
        self.store.users[user.id] = user
        return user

    def get_user(self, user_id: str) -> User:
        user = self.store.users.get(user_id)
        if user is None:
            raise not_found("User", user_id)
        return user

    def find_by_email(self, email: str) -> User | None:
        wanted = email.lower()
        return next((u for u in self.store.users.values() if u.email.lower() == wanted), None)

    def add_member(self, tenant_id: str, user_id: str, role_ids: list[str]) -> None:
        self.store.memberships.setdefault(tenant_id, {})[user_id] = list(role_ids)

    def role_ids(self, tenant_id: str, user_id: str) -> list[str] | None:
        """The user's roles in the tenant, or None when the user is not a member."""
        return self.store.memberships.get(tenant_id, {}).get(user_id)

    def tenants_of(self, user_id: str) -> list[str]:
        return [t for t, members in self.store.memberships.items() if user_id in members]

    def members(self, tenant_id: str) -> dict[str, list[str]]:
        return self.store.memberships.get(tenant_id, {})

    def member_roles(self, tenant_id: str, user_id: str) -> list[str]:
        """Like role_ids, but a non-member is a 404 (of the tenant's user management)."""
        role_ids = self.role_ids(tenant_id, user_id)
        if role_ids is None:
            raise not_found("User", user_id)
        return role_ids

    # ------------------------------------------------------------------ self-service (/users/{userId})

    def list_user_tenants(self, user_id: str) -> list[str]:
        return [t for t in self.tenants_of(user_id) if t in self.sim.state.tenants.tenants]

    def get_user_tenant(self, user_id: str, tenant_id: str) -> str:
        if self.role_ids(tenant_id, user_id) is None:
            raise not_found("Tenant", tenant_id)
        return tenant_id

    def list_user_permissions(self, tenant_id: str, user_id: str) -> list[dict[str, str]]:
        """Platform and custom permissions of the user's roles in the tenant, as `{id, alias}`."""
        roles = self.sim.roles.roles_of(tenant_id, self.role_ids(tenant_id, user_id) or [])
        platform = self.sim.roles.permission_refs(pid for role in roles for pid in role.permission_ids)
        custom_ids = (cid for role in roles for cid in role.custom_permission_ids)
        custom = self.sim.applications.custom_permission_refs(custom_ids)
        return platform + custom

    # ------------------------------------------------------------------ tenant user management

    def list_tenant_users(self, tenant_id: str) -> list[str]:
        return [u for u in self.members(tenant_id) if u in self.store.users]

    @records_change("removeTenantUser", resource="user_id")
    def remove_tenant_user(self, tenant_id: str, user_id: str) -> None:
        self.member_roles(tenant_id, user_id)
        self._keep_an_owner(tenant_id, user_id, [])
        del self.store.memberships[tenant_id][user_id]

    def list_role_users(self, tenant_id: str, role_id: str) -> list[str]:
        self.sim.roles.get_role(tenant_id, role_id)
        return [u for u, roles in self.members(tenant_id).items() if role_id in roles and u in self.store.users]

    def list_tenant_user_roles(self, tenant_id: str, user_id: str) -> list[str]:
        return list(self.member_roles(tenant_id, user_id))

    @records_change("replaceTenantUserRoles", resource="user_id")
    def replace_tenant_user_roles(self, tenant_id: str, user_id: str, role_ids: list[str]) -> None:
        self.member_roles(tenant_id, user_id)
        wanted = list(dict.fromkeys(role_ids))
        if not wanted:
            raise BadRequest(
                "A user needs at least one role; remove the user from the tenant instead",
                details=[{"path": "body", "message": "no role given"}],
            )
        self.sim.roles.require_roles(tenant_id, wanted)
        self._keep_an_owner(tenant_id, user_id, wanted)
        self.store.memberships[tenant_id][user_id] = wanted

    def _keep_an_owner(self, tenant_id: str, user_id: str, new_role_ids: list[str]) -> None:
        """A tenant never loses its last owner (it could not be managed any more)."""
        owner = self.sim.roles.role_named(tenant_id, "owner")
        if owner is None or owner.id in new_role_ids:
            return
        others = [u for u, roles in self.members(tenant_id).items() if u != user_id and owner.id in roles]
        if owner.id in self.members(tenant_id).get(user_id, []) and not others:
            raise BadRequest("The tenant's last owner cannot lose the owner role", code="LAST_OWNER")

    # ------------------------------------------------------------------ API views

    def tenant_user_api(self, tenant_id: str, user_id: str) -> dict[str, Any]:
        roles = self.sim.roles.roles_of(tenant_id, self.role_ids(tenant_id, user_id) or [])
        return {**self.get_user(user_id).to_api(), "userRoles": [r.summary() for r in roles]}

    def user_tenant_api(self, user_id: str, tenant_id: str) -> dict[str, Any]:
        tenant = self.sim.tenants.get_tenant(tenant_id)
        roles = self.sim.roles.roles_of(tenant_id, self.role_ids(tenant_id, user_id) or [])
        view: dict[str, Any] = {"id": tenant.id, "name": tenant.name, "roles": [r.summary() for r in roles]}
        if roles:
            view["role"] = roles[0].name
        return view
