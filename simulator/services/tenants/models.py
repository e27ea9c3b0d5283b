"""Tenants: the unit of isolation for every other resource."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.core.changes import records_change
from simulator.core.clock import iso
from simulator.core.errors import not_found
from simulator.core.patch import UNSET, Unset, given
from simulator.services.backend import Backend


@dataclass
class Tenant:
    id: str
    name: str
    created_at: datetime
    updated_at: datetime
    billing_contact: dict[str, Any] = field(default_factory=dict)
    billing_company: dict[str, Any] = field(default_factory=dict)
    package: dict[str, Any] = field(default_factory=dict)
    contract_id: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "billingContact": self.billing_contact,
            "billingCompany": self.billing_company,
            "package": self.package,
            "contractId": self.contract_id,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }


#: API field -> Tenant attribute, for create and PATCH (`payment` goes to the payment provider, not here).
UPDATABLE = {
    "name": "name",
    "billingContact": "billing_contact",
    "billingCompany": "billing_company",
    "package": "package",
    "contractId": "contract_id",
}


def details_from_api(body: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of `create_tenant` other than the name, from a TenantCreate body."""
    return {attr: body[key] for key, attr in UPDATABLE.items() if key in body and key != "name"}


@dataclass(frozen=True)
class TenantChanges:
    """PATCH /tenants/{id}: the fields given replace the stored ones (payment data is never kept)."""

    name: str | Unset = UNSET
    billing_contact: dict[str, Any] | Unset = UNSET
    billing_company: dict[str, Any] | Unset = UNSET
    package: dict[str, Any] | Unset = UNSET
    contract_id: str | Unset | None = UNSET

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> TenantChanges:
        return cls(**{attr: body[key] for key, attr in UPDATABLE.items() if key in body})


@dataclass
class TenantsStore:
    tenants: dict[str, Tenant] = field(default_factory=dict)


class TenantsBackend(Backend[TenantsStore]):
    store_field = "tenants"

    @records_change("createTenant", created=True)
    def create_tenant(self, name: str, owner_user_id: str | None = None, **details: Any) -> Tenant:
        """Make a tenant with the default roles; the creator becomes its owner."""
        now = self.sim.clock.now()
        tenant = Tenant(id=self.sim.random.uuid(), name=name, created_at=now, updated_at=now, **details)
        self.store.tenants[tenant.id] = tenant
        roles = self.sim.roles.create_default_roles(tenant.id)
        if owner_user_id:
            self.sim.users.add_member(tenant.id, owner_user_id, [roles["owner"].id])
        return tenant

    def get_tenant(self, tenant_id: str) -> Tenant:
        tenant = self.store.tenants.get(tenant_id)
        if tenant is None:
            raise not_found("Tenant", tenant_id)
        return tenant

    @records_change("updateTenant", resource="tenant_id")
    def update_tenant(self, tenant_id: str, changes: TenantChanges) -> Tenant:
        """PATCH: the supplied fields replace the stored ones; payment data is accepted but never kept."""
        tenant = self.get_tenant(tenant_id)
        for attribute, value in given(changes).items():
            setattr(tenant, attribute, value)
        tenant.updated_at = self.sim.clock.now()
        return tenant
