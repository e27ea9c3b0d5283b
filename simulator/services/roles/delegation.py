"""Nobody grants what they do not hold: the rules for creating, changing and handing out roles.

A caller with `roles:write` or `tenant_user_management:write` could otherwise write themselves
(or a friend) a role with every permission. So, for anyone but an owner of the tenant:

- a role they create or patch may only carry platform permissions their token holds and custom
  permissions one of their roles carries;
- a role set they assign (user roles, invites) may only carry the same;
- the owner role, and users who hold it, stay the owners' business: giving or taking the owner
  role and removing an owner are owner-only, whatever custom roles exist.

Refusals are 403 `NO_ACCESS_TO_RESOURCE`, before anything changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from simulator.core.errors import Forbidden
from simulator.services.roles.models import PERMISSIONS_BY_ID

if TYPE_CHECKING:
    from simulator.runtime import Simulator

OWNER_ROLE = "owner"


@dataclass(frozen=True)
class Grantor:
    """What the caller may hand out in one tenant."""

    tenant_id: str
    is_owner: bool
    aliases: frozenset[str]  # platform permissions of the caller's token
    custom_ids: frozenset[str]  # custom permissions of the caller's roles


def grantor(sim: Simulator, tenant_id: str, user_id: str | None, aliases: frozenset[str]) -> Grantor:
    """The caller as a grantor: a user's roles in the tenant, or a service account (never an owner)."""
    role_ids = (sim.users.role_ids(tenant_id, user_id) or []) if user_id else []
    roles = sim.roles.roles_of(tenant_id, role_ids)
    is_owner = any(role.locked and role.name == OWNER_ROLE for role in roles)
    custom = frozenset(cid for role in roles for cid in role.custom_permission_ids)
    return Grantor(tenant_id, is_owner, aliases, custom)


def check_permissions(who: Grantor, permission_ids: Iterable[str], custom_ids: Iterable[str]) -> None:
    """A role carrying these permissions may be written by `who`."""
    if who.is_owner:
        return
    missing = sorted({PERMISSIONS_BY_ID[p].alias for p in permission_ids if p in PERMISSIONS_BY_ID} - who.aliases)
    missing += sorted(set(custom_ids) - who.custom_ids)
    if missing:
        raise Forbidden(f"You cannot grant permissions you do not hold: {', '.join(missing)}")


def check_assignment(sim: Simulator, who: Grantor, role_ids: Iterable[str], target_user_id: str | None) -> None:
    """`who` may give these roles (to `target_user_id`, or by invite when None)."""
    if who.is_owner:
        return
    roles = sim.roles.roles_of(who.tenant_id, role_ids)
    owner_role = sim.roles.role_named(who.tenant_id, OWNER_ROLE)
    held = sim.users.role_ids(who.tenant_id, target_user_id) or [] if target_user_id else []
    if owner_role is not None and (owner_role.id in held or any(r.id == owner_role.id for r in roles)):
        raise Forbidden("Only an owner of the tenant can give or take the owner role")
    for role in roles:
        check_permissions(who, role.permission_ids, role.custom_permission_ids)


def check_removal(sim: Simulator, who: Grantor, target_user_id: str) -> None:
    """Removing an owner from the tenant is for owners only."""
    owner_role = sim.roles.role_named(who.tenant_id, OWNER_ROLE)
    held = sim.users.role_ids(who.tenant_id, target_user_id) or []
    if not who.is_owner and owner_role is not None and owner_role.id in held:
        raise Forbidden("Only an owner of the tenant can remove an owner")
