"""Invites: how a user joins a tenant (facts D.3, I.35). Only `open` invites change or go away."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.core.changes import records_change
from simulator.core.clock import iso
from simulator.core.errors import BadRequest, Conflict, not_found
from simulator.services.backend import Backend

if TYPE_CHECKING:
    from simulator.services.users.models import UsersStore  # noqa: F401  # the store, named as a string below

OPEN, ACCEPTED, DECLINED = "open", "accepted", "declined"


@dataclass
class Invite:
    id: str
    tenant_id: str
    receiver_email: str
    role_ids: list[str]
    status: str
    created_at: datetime
    updated_at: datetime

    def is_for(self, email: str) -> bool:
        return self.receiver_email.lower() == email.lower()


class InviteOperations(Backend["UsersStore"]):
    """The invite half of UsersBackend (kept apart to keep each module small)."""

    store_field = "users"

    def _newest_first(self, invites: list[Invite], status: str | None) -> list[Invite]:
        chosen = [i for i in invites if status is None or i.status == status]
        return sorted(chosen, key=lambda i: i.created_at, reverse=True)

    # ------------------------------------------------------------------ tenant side

    @records_change("createTenantInvite", created=True)
    def create_tenant_invite(
        self, tenant_id: str, email: str, role_ids: list[str] | None = None, role_names: list[str] | None = None
    ) -> Invite:
        roles = self._invite_roles(tenant_id, role_ids, role_names)
        user = self.sim.users.find_by_email(email)
        if user is not None and self.sim.users.role_ids(tenant_id, user.id) is not None:
            raise Conflict(f"{email} is already a member of the tenant", code="ALREADY_MEMBER")
        if any(i.is_for(email) and i.tenant_id == tenant_id and i.status == OPEN for i in self.store.invites.values()):
            raise Conflict(f"An open invite for {email} exists already", code="INVITE_EXISTS")
        now = self.sim.clock.now()
        invite = Invite(self.sim.random.uuid(), tenant_id, email, roles, OPEN, now, now)
        self.store.invites[invite.id] = invite
        return invite

    def _invite_roles(self, tenant_id: str, role_ids: list[str] | None, role_names: list[str] | None) -> list[str]:
        if role_ids:
            wanted = list(dict.fromkeys(role_ids))
            self.sim.roles.require_roles(tenant_id, wanted, "body.roles")
            return wanted
        if role_names:
            found = []
            for index, name in enumerate(dict.fromkeys(role_names)):
                role = self.sim.roles.role_named(tenant_id, name)
                if role is None:
                    raise BadRequest(
                        f"Role {name!r} does not exist in the tenant",
                        details=[{"path": f"body.roleNames.{index}", "message": f"unknown role {name!r}"}],
                    )
                found.append(role.id)
            return found
        raise BadRequest(
            "An invite needs the roles to give: send roles (or the deprecated roleNames)",
            details=[{"path": "body.roles", "message": "no role given"}],
        )

    def list_tenant_invites(self, tenant_id: str, status: str | None = None) -> list[Invite]:
        return self._newest_first([i for i in self.store.invites.values() if i.tenant_id == tenant_id], status)

    @records_change("deleteTenantInvite", resource="invite_id")
    def delete_tenant_invite(self, tenant_id: str, invite_id: str) -> None:
        invite = self.store.invites.get(invite_id)
        if invite is None or invite.tenant_id != tenant_id:
            raise not_found("Invite", invite_id)
        if invite.status != OPEN:
            raise BadRequest(f"Only open invites can be deleted; this one is {invite.status}", code="INVITE_NOT_OPEN")
        del self.store.invites[invite_id]

    # ------------------------------------------------------------------ user side

    def list_user_invites(self, user_id: str, status: str | None = None) -> list[Invite]:
        email = self.sim.users.get_user(user_id).email
        return self._newest_first([i for i in self.store.invites.values() if i.is_for(email)], status)

    @records_change("updateUserInvite", resource="invite_id")
    def update_user_invite(self, user_id: str, invite_id: str, status: str) -> Invite:
        """Accepting makes the user a member with the invite's roles (added to any roles held already)."""
        user = self.sim.users.get_user(user_id)
        invite = self.store.invites.get(invite_id)
        if invite is None or not invite.is_for(user.email) or invite.tenant_id not in self.sim.state.tenants.tenants:
            raise not_found("Invite", invite_id)
        if status not in (ACCEPTED, DECLINED):
            raise BadRequest(
                "An invite can only be accepted or declined",
                details=[{"path": "body.status", "message": "must be 'accepted' or 'declined'"}],
            )
        if invite.status != OPEN:
            raise BadRequest(f"Only open invites can change; this one is {invite.status}", code="INVITE_NOT_OPEN")
        if status == ACCEPTED:
            held = self.sim.users.role_ids(invite.tenant_id, user.id) or []
            existing = [r.id for r in self.sim.roles.roles_of(invite.tenant_id, invite.role_ids)]
            self.sim.users.add_member(invite.tenant_id, user.id, list(dict.fromkeys(held + existing)))
        invite.status = status
        invite.updated_at = self.sim.clock.now()
        return invite

    # ------------------------------------------------------------------ API view

    def invite_api(self, invite: Invite) -> dict[str, Any]:
        tenant = self.sim.state.tenants.tenants.get(invite.tenant_id)
        roles = self.sim.roles.roles_of(invite.tenant_id, invite.role_ids)
        return {
            "id": invite.id,
            "tenantId": invite.tenant_id,
            "tenantName": tenant.name if tenant else "",
            "receiverEmail": invite.receiver_email,
            "roles": [{"id": r.id, "name": r.name} for r in roles],
            "status": invite.status,
            "createdAt": iso(invite.created_at),
            "updatedAt": iso(invite.updated_at),
        }
