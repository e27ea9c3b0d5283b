"""OAuth2 clients (and, later, the applications that own them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.runtime import Simulator


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


@dataclass
class ApplicationsStore:
    clients: dict[str, OAuthClient] = field(default_factory=dict)


class ApplicationsBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> ApplicationsStore:
        return self.sim.state.applications

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
