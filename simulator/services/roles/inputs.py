"""What the roles backend takes: typed inputs, built from the API's camelCase bodies in one place.

Endpoints call `NewRole.from_api(body)` / `RoleChanges.from_api(body)`; Python callers build the
dataclasses directly. Platform permissions are named by id or by their (deprecated) alias.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.core.patch import UNSET, Unset

__all__ = ["UNSET", "NewRole", "PermissionRef", "RoleChanges", "Unset"]


@dataclass(frozen=True)
class PermissionRef:
    """A platform permission as a request names it: `{"id": ...}` or `{"alias": ...}`."""

    id: str | None = None
    alias: str | None = None

    @classmethod
    def from_api(cls, item: Mapping[str, Any]) -> PermissionRef:
        return cls(id=item.get("id"), alias=item.get("alias"))

    def __str__(self) -> str:  # as the request named it, for error details
        return str({key: value for key, value in (("id", self.id), ("alias", self.alias)) if value is not None})


def _permissions(body: Mapping[str, Any]) -> tuple[PermissionRef, ...]:
    return tuple(PermissionRef.from_api(item) for item in body.get("permissions") or [])


def _custom_ids(body: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(item["id"]) for item in body.get("customPermissions") or [])


@dataclass(frozen=True)
class NewRole:
    """POST /roles."""

    name: str
    display_name: str | None = None  # None: the name
    description: str = ""
    permissions: Sequence[PermissionRef] = ()
    custom_permission_ids: Sequence[str] = ()

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> NewRole:
        return cls(
            name=body["name"],
            display_name=body.get("displayName") or None,
            description=body.get("description") or "",
            permissions=_permissions(body),
            custom_permission_ids=_custom_ids(body),
        )


@dataclass(frozen=True)
class RoleChanges:
    """PATCH /roles/{roleId}: only what was sent changes; the permission lists replace the whole list."""

    name: str | Unset = UNSET
    display_name: str | Unset = UNSET
    description: str | Unset | None = UNSET
    permissions: Sequence[PermissionRef] | Unset = UNSET
    custom_permission_ids: Sequence[str] | Unset = UNSET

    @classmethod
    def from_api(cls, body: Mapping[str, Any]) -> RoleChanges:
        return cls(
            name=body.get("name", UNSET),
            display_name=body.get("displayName", UNSET),
            description=body.get("description", UNSET),
            permissions=_permissions(body) if "permissions" in body else UNSET,
            custom_permission_ids=_custom_ids(body) if "customPermissions" in body else UNSET,
        )
