"""Roles and the platform permission catalogue (facts C.4)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.core.changes import records_change
from simulator.core.clock import iso
from simulator.core.errors import BadRequest, Conflict, Forbidden, not_found
from simulator.services.backend import Backend
from simulator.services.roles.inputs import NewRole, PermissionRef, RoleChanges, Unset

RESOURCES = {
    "tenant": "tenant",
    "tenant_user_management": "users",
    "roles": "roles",
    "applications": "applications",
    "applications_development": "applications",
    "devices": "devices",
    "devicetypes": "devices",
    "certificates": "devices",
    "firmwares": "devices",
    "timeseries": "data",
    "events": "data",
    "notifications": "notifications",
    "streaming": "data",
    "audit_logs": "tenant",
}
_NAMESPACE = uuid.UUID("5b0c2a4e-1f7e-4f8e-9a51-0e1c6f1d8a11")


@dataclass(frozen=True)
class Permission:
    alias: str
    category: str

    @property
    def id(self) -> str:
        return str(uuid.uuid5(_NAMESPACE, self.alias))

    def to_api(self) -> dict[str, str]:
        resource, _, mode = self.alias.partition(":")
        verb = "Read" if mode == "read" else "Create, change and delete"
        return {
            "id": self.id,
            "alias": self.alias,
            "category": self.category,
            "name": f"Access {resource}",
            "description": f"{verb} {resource.replace('_', ' ')}",
        }


PERMISSIONS: tuple[Permission, ...] = tuple(
    Permission(f"{resource}:{mode}", category) for resource, category in RESOURCES.items() for mode in ("read", "write")
)
PERMISSIONS_BY_ID = {p.id: p for p in PERMISSIONS}
PERMISSIONS_BY_ALIAS = {p.alias: p for p in PERMISSIONS}
ALL_ALIASES = frozenset(p.alias for p in PERMISSIONS)
WRITER_ALIASES = ALL_ALIASES - {"tenant:write", "tenant_user_management:read", "tenant_user_management:write"}
READER_ALIASES = frozenset(a for a in WRITER_ALIASES if a.endswith(":read"))
APPLICATION_CAP = WRITER_ALIASES - {"tenant:read"}

DEFAULT_ROLES: tuple[tuple[str, str, str, frozenset[str]], ...] = (
    ("owner", "Owner", "Default owner role with full access to all resources.", ALL_ALIASES),
    (
        "writer",
        "Writer",
        "Default writer role including read and write access to  every resource except the tenant itself "
        "and the tenant's user management.",
        WRITER_ALIASES,
    ),
    (
        "reader",
        "Reader",
        "Default reader role including read access to every  resource except the tenant's user management.",
        READER_ALIASES,
    ),
)


@dataclass
class Role:
    id: str
    tenant_id: str
    name: str
    display_name: str
    description: str
    locked: bool
    permission_ids: list[str]
    custom_permission_ids: list[str]
    created_at: datetime
    updated_at: datetime

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "description": self.description,
            "locked": self.locked,
        }

    def to_api(self, users_count: int = 0) -> dict[str, Any]:
        return {
            **self.summary(),
            "usersCount": users_count,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "permissionIds": list(self.permission_ids),
            "customPermissionIds": list(self.custom_permission_ids),
        }


@dataclass
class RolesStore:
    roles: dict[str, dict[str, Role]] = field(default_factory=dict)  # tenant -> id -> role


class RolesBackend(Backend[RolesStore]):
    store_field = "roles"

    def create_default_roles(self, tenant_id: str) -> dict[str, Role]:
        now = self.sim.clock.now()
        made = {}
        for name, display, description, aliases in DEFAULT_ROLES:
            role = Role(
                id=self.sim.random.uuid(),
                tenant_id=tenant_id,
                name=name,
                display_name=display,
                description=description,
                locked=True,
                permission_ids=[p.id for p in PERMISSIONS if p.alias in aliases],
                custom_permission_ids=[],
                created_at=now,
                updated_at=now,
            )
            self.store.roles.setdefault(tenant_id, {})[role.id] = role
            made[name] = role
        return made

    def role_named(self, tenant_id: str, name: str) -> Role | None:
        return next((r for r in self.store.roles.get(tenant_id, {}).values() if r.name == name), None)

    def aliases_of(self, tenant_id: str, role_ids: list[str]) -> frozenset[str]:
        roles = self.store.roles.get(tenant_id, {})
        return frozenset(
            PERMISSIONS_BY_ID[pid].alias
            for rid in role_ids
            if rid in roles
            for pid in roles[rid].permission_ids
            if pid in PERMISSIONS_BY_ID
        )

    # ------------------------------------------------------------------ lookups shared with users/applications

    def roles_of(self, tenant_id: str, role_ids: Iterable[str]) -> list[Role]:
        """The tenant's roles with these ids, in the given order; unknown ids are skipped."""
        roles = self.store.roles.get(tenant_id, {})
        return [roles[rid] for rid in dict.fromkeys(role_ids) if rid in roles]

    def require_roles(self, tenant_id: str, role_ids: list[str], path: str = "body") -> None:
        """Role references in a request body must name roles of the tenant (400 otherwise)."""
        roles = self.store.roles.get(tenant_id, {})
        unknown = [rid for rid in role_ids if rid not in roles]
        if unknown:
            raise BadRequest(
                f"Unknown role(s) {', '.join(unknown)}",
                details=[{"path": path, "message": f"role {rid} does not exist in the tenant"} for rid in unknown],
            )

    def permission_refs(self, permission_ids: Iterable[str]) -> list[dict[str, str]]:
        return [
            {"id": pid, "alias": PERMISSIONS_BY_ID[pid].alias}
            for pid in dict.fromkeys(permission_ids)
            if pid in PERMISSIONS_BY_ID
        ]

    def users_count(self, role: Role) -> int:
        members = self.sim.state.users.memberships.get(role.tenant_id, {})
        return sum(1 for role_ids in members.values() if role.id in role_ids)

    def role_api(self, role: Role) -> dict[str, Any]:
        return role.to_api(self.users_count(role))

    def remove_custom_permissions(self, permission_ids: Iterable[str], tenant_id: str | None = None) -> None:
        """Custom permissions leave every role (of one tenant, or all) when they or their app go away."""
        gone = set(permission_ids)
        tenants = [tenant_id] if tenant_id is not None else list(self.store.roles)
        now = self.sim.clock.now()
        for tid in tenants:
            for role in self.store.roles.get(tid, {}).values():
                kept = [cid for cid in role.custom_permission_ids if cid not in gone]
                if len(kept) != len(role.custom_permission_ids):
                    role.custom_permission_ids, role.updated_at = kept, now

    # ------------------------------------------------------------------ operations

    def list_permissions(self) -> tuple[Permission, ...]:
        return PERMISSIONS

    def get_role(self, tenant_id: str, role_id: str) -> Role:
        role = self.store.roles.get(tenant_id, {}).get(role_id)
        if role is None:
            raise not_found("Role", role_id)
        return role

    def list_roles(self, tenant_id: str, user_id: str | None = None) -> list[Role]:
        roles = list(self.store.roles.get(tenant_id, {}).values())
        if user_id is not None:
            held = self.sim.users.role_ids(tenant_id, user_id) or []
            roles = [r for r in roles if r.id in held]
        return roles

    @records_change("createRole", created=True)
    def create_role(self, tenant_id: str, new: NewRole) -> Role:
        self._unique_name(tenant_id, new.name)
        now = self.sim.clock.now()
        role = Role(
            id=self.sim.random.uuid(),
            tenant_id=tenant_id,
            name=new.name,
            display_name=new.display_name or new.name,
            description=new.description,
            locked=False,
            permission_ids=self.permission_ids(new.permissions),
            custom_permission_ids=self._custom_permission_ids(tenant_id, new.custom_permission_ids),
            created_at=now,
            updated_at=now,
        )
        self.store.roles.setdefault(tenant_id, {})[role.id] = role
        return role

    @records_change("updateRole", resource="role_id")
    def update_role(self, tenant_id: str, role_id: str, changes: RoleChanges) -> Role:
        """PATCH; `permissions`/`customPermissions` replace the whole list. Locked roles never change."""
        role = self._unlocked(tenant_id, role_id, "changed")
        name = changes.name
        if not isinstance(name, Unset) and name.lower() != role.name.lower():
            self._unique_name(tenant_id, name)
        permissions, custom = changes.permissions, changes.custom_permission_ids
        permission_ids = role.permission_ids if isinstance(permissions, Unset) else self.permission_ids(permissions)
        custom_ids = (
            role.custom_permission_ids if isinstance(custom, Unset) else self._custom_permission_ids(tenant_id, custom)
        )
        if not isinstance(name, Unset):
            role.name = name
        if not isinstance(changes.display_name, Unset):
            role.display_name = changes.display_name
        if not isinstance(changes.description, Unset):
            role.description = changes.description or ""
        role.permission_ids, role.custom_permission_ids = permission_ids, custom_ids
        role.updated_at = self.sim.clock.now()
        return role

    @records_change("deleteRole", resource="role_id")
    def delete_role(self, tenant_id: str, role_id: str) -> None:
        """A role someone holds (or an open invite would give) cannot go: 409 (reassign first)."""
        role = self._unlocked(tenant_id, role_id, "deleted")
        if self.users_count(role):
            raise Conflict(f"Role {role.name!r} is assigned to users; reassign them first", code="ROLE_IN_USE")
        if any(
            i.tenant_id == tenant_id and i.status == "open" and role_id in i.role_ids
            for i in self.sim.state.users.invites.values()
        ):
            raise Conflict(f"Role {role.name!r} is part of an open invite", code="ROLE_IN_USE")
        del self.store.roles[tenant_id][role_id]

    # ------------------------------------------------------------------ rules

    def _unlocked(self, tenant_id: str, role_id: str, verb: str) -> Role:
        role = self.get_role(tenant_id, role_id)
        if role.locked:
            raise Forbidden(f"Role {role.name!r} is locked and cannot be {verb}", code="ROLE_LOCKED")
        return role

    def _unique_name(self, tenant_id: str, name: str) -> None:
        wanted = name.lower()
        if any(r.name.lower() == wanted for r in self.store.roles.get(tenant_id, {}).values()):
            raise Conflict(f"A role named {name!r} exists already", code="ROLE_EXISTS")

    @staticmethod
    def permission_ids(refs: Sequence[PermissionRef]) -> list[str]:
        """Platform permissions referenced by `id` or (deprecated) `alias`; unknown ones are a 400."""
        found, problems = [], []
        for index, ref in enumerate(refs):
            by_id = ref.id is not None
            permission = PERMISSIONS_BY_ID.get(ref.id or "") if by_id else PERMISSIONS_BY_ALIAS.get(ref.alias or "")
            if permission is None or (ref.alias is not None and ref.alias != permission.alias):
                problems.append({"path": f"body.permissions.{index}", "message": f"unknown permission {ref}"})
            else:
                found.append(permission.id)
        if problems:
            raise BadRequest("Unknown permission(s) in the role", details=problems)
        return list(dict.fromkeys(found))

    def _custom_permission_ids(self, tenant_id: str, ids: Sequence[str]) -> list[str]:
        """Custom permissions can go into a role only while their application is installed in the tenant."""
        problems = [
            {
                "path": f"body.customPermissions.{index}",
                "message": f"custom permission {permission_id} does not exist or its application is not installed",
            }
            for index, permission_id in enumerate(ids)
            if not self.sim.applications.custom_permission_usable(permission_id, tenant_id)
        ]
        if problems:
            raise BadRequest("Unknown custom permission(s) in the role", details=problems)
        return list(dict.fromkeys(ids))
