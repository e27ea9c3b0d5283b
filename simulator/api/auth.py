"""Bearer token -> Principal, and the permission check of `x-olt-permissions`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.api.call import Principal
from simulator.core.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from simulator.runtime import Simulator

CHALLENGE = {"WWW-Authenticate": 'Bearer realm="olt"'}


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise Unauthorized("Authentication required: send 'Authorization: Bearer <token>'")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Malformed Authorization header: expected 'Bearer <token>'")
    return token.strip()


def principal_for(sim: Simulator, token: str) -> Principal:
    """Verify the token and work out what its holder may do in the token's tenant."""
    claims = sim.tokens.verify(token)
    tenant_id = claims.get("tenant")
    client_id = str(claims.get("azp") or claims.get("clientId") or "")
    user = sim.state.users.users.get(claims["sub"])
    client = sim.applications.get_client(client_id)
    if client is None:
        raise Unauthorized("Invalid token: unknown client")
    if user is None and client.service_account_id != claims["sub"]:
        raise Unauthorized("Invalid token: unknown subject")
    permissions: frozenset[str] = frozenset()
    if tenant_id and tenant_id in sim.state.tenants.tenants:
        if user is not None:
            role_ids = sim.users.role_ids(tenant_id, user.id)
            if role_ids is not None:
                user_aliases = sim.roles.aliases_of(tenant_id, role_ids)
                permissions = sim.applications.token_permissions(client, tenant_id, user_aliases)
        elif tenant_id in client.tenant_ids:
            permissions = sim.applications.token_permissions(client, tenant_id, None)
    return Principal(
        subject=claims["sub"],
        client_id=client_id,
        tenant_id=tenant_id,
        user_id=user.id if user else None,
        email=user.email if user else None,
        permissions=permissions,
        token=token,
    )


def require(principal: Principal, aliases: tuple[str, ...]) -> None:
    if not aliases:
        return
    if principal.tenant_id is None:
        raise Forbidden("This operation needs a token bound to a tenant")
    missing = [a for a in aliases if a not in principal.permissions]
    if missing:
        raise Forbidden(f"Access to resource is forbidden: missing permission {', '.join(missing)}")
