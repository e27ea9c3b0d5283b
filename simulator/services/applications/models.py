"""The applications area's state: OAuth2 clients, applications, their custom permissions and installations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from simulator.core.clock import iso

ACTIVE, INACTIVE = "active", "inactive"


@dataclass
class OAuthClient:
    """A confidential client has a secret and may use client_credentials; a public one may not."""

    id: str
    name: str
    secret: str | None
    service_account_id: str
    redirect_uris: list[str] = field(default_factory=list)  # '*' entries are wildcards; empty: any localhost
    tenant_ids: list[str] = field(default_factory=list)  # tenants the client is installed in
    application_id: str | None = None

    @property
    def public(self) -> bool:
        return self.secret is None

    def to_api(self, with_secret: bool = False) -> dict[str, Any]:
        view: dict[str, Any] = {"id": self.id, "type": "public" if self.public else "confidential"}
        if with_secret and self.secret is not None:
            view["secret"] = self.secret
        return view


@dataclass
class PermissionSet:
    """Permission ids (platform or the app's custom ones) for client-credentials (`client`) and user tokens."""

    client: list[str] = field(default_factory=list)
    user: list[str] = field(default_factory=list)

    @classmethod
    def from_api(cls, body: dict[str, Any] | None) -> PermissionSet:
        body = body or {}
        return cls(
            client=list(dict.fromkeys(i["id"] for i in body.get("client") or [])),
            user=list(dict.fromkeys(i["id"] for i in body.get("user") or [])),
        )

    def to_api(self) -> dict[str, list[dict[str, str]]]:
        return {"client": [{"id": i} for i in self.client], "user": [{"id": i} for i in self.user]}

    def same_as(self, other: PermissionSet) -> bool:
        return set(self.client) == set(other.client) and set(self.user) == set(other.user)

    def without(self, ids: set[str]) -> None:
        self.client = [i for i in self.client if i not in ids]
        self.user = [i for i in self.user if i not in ids]


@dataclass
class AllowedTenant:
    tenant_id: str
    created_at: datetime
    comment: str | None = None


@dataclass
class Installation:
    application_id: str
    tenant_id: str
    created_at: datetime
    updated_at: datetime
    permissions: PermissionSet

    def to_api(self) -> dict[str, Any]:
        return {
            "applicationId": self.application_id,
            "tenantId": self.tenant_id,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "permissions": self.permissions.to_api(),
        }


@dataclass
class CustomPermission:
    id: str
    application_id: str
    alias: str
    name: str
    description: str | None
    category: str
    created_at: datetime
    updated_at: datetime

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "applicationId": self.application_id,
            "alias": self.alias,
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }


@dataclass
class Application:
    id: str
    tenant_id: str  # the developer tenant
    name: str
    client_id: str
    created_at: datetime
    updated_at: datetime
    public_client_id: str | None = None
    teaser_description: str | None = None
    url: str | None = None
    status: str = ACTIVE
    redirect_uris: list[str] = field(default_factory=list)
    permissions: PermissionSet = field(default_factory=PermissionSet)
    allowed_tenants: dict[str, AllowedTenant] = field(default_factory=dict)
    installations: dict[str, Installation] = field(default_factory=dict)
    custom_permissions: dict[str, CustomPermission] = field(default_factory=dict)

    @property
    def client_ids(self) -> list[str]:
        return [self.client_id] + ([self.public_client_id] if self.public_client_id else [])

    def availability(self, tenant_id: str) -> str:
        if self.status != ACTIVE:
            return "APP_INACTIVE"
        if tenant_id not in self.allowed_tenants:
            return "TENANT_NOT_ALLOWED"
        return "APP_AVAILABLE"

    def tenant_view(self, tenant_id: str) -> dict[str, Any]:
        """The application as a tenant that may install (or has installed) it sees it."""
        code = self.availability(tenant_id)
        installation = self.installations.get(tenant_id)
        return {
            "id": self.id,
            "name": self.name,
            "teaserDescription": self.teaser_description,
            "url": self.url,
            "available": code == "APP_AVAILABLE",
            "availableCode": code,
            "installation": installation.to_api() if installation else None,
        }


@dataclass
class ApplicationsStore:
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    applications: dict[str, Application] = field(default_factory=dict)
