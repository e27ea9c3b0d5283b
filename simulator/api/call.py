"""What an endpoint receives: the validated request, its principal and the simulator."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from simulator.core.errors import Unauthorized

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (through a client) or an application's service account."""

    subject: str
    client_id: str
    tenant_id: str | None
    user_id: str | None
    email: str | None
    permissions: frozenset[str]
    token: str = field(repr=False, default="")

    @property
    def is_user(self) -> bool:
        return self.user_id is not None


@dataclass
class Call:
    sim: Simulator
    operation_id: str
    request: Request
    principal: Principal | None
    path: dict[str, Any]
    query: dict[str, Any]
    headers: dict[str, Any]
    body: Any

    @property
    def tenant_id(self) -> str:
        """The tenant of the token; every tenant-scoped backend call takes it."""
        if self.principal is None or self.principal.tenant_id is None:
            raise Unauthorized("This operation needs a token bound to a tenant")
        return self.principal.tenant_id

    @property
    def page(self) -> int:
        return int(self.query.get("page", 0))

    @property
    def page_size(self) -> int:
        return int(self.query.get("pageSize", 20))
