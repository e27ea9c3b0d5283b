"""Roles and the platform permission catalogue (facts C.4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.core.clock import iso

if TYPE_CHECKING:
    from simulator.runtime import Simulator

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


class RolesBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> RolesStore:
        return self.sim.state.roles

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
