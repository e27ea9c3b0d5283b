"""Users and their tenant memberships (which roles a user holds in which tenant)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.core.errors import not_found

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass
class User:
    id: str
    email: str
    first_name: str
    last_name: str
    created_at: datetime

    def to_api(self) -> dict[str, Any]:
        return {"id": self.id, "email": self.email, "firstName": self.first_name, "lastName": self.last_name}

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class UsersStore:
    users: dict[str, User] = field(default_factory=dict)
    memberships: dict[str, dict[str, list[str]]] = field(default_factory=dict)  # tenant -> user -> role ids


class UsersBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> UsersStore:
        return self.sim.state.users

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
