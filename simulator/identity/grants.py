"""The token endpoint's grants: authorization_code, client_credentials and refresh_token (facts C.2)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.core.errors import OAuthError, Unauthorized
from simulator.identity.authorization import Authorizer
from simulator.identity.clients import authenticate_client, basic_client_id, check_tenant_access
from simulator.identity.tokens import Grant
from simulator.services.applications.models import OAuthClient

if TYPE_CHECKING:
    from simulator.runtime import Simulator

APPLICATION_SCOPE = "olt-applications"


def requested_tenant(tenant: str | None, requested_with: str | None) -> str | None:
    """The tenant a token request names: `tenant` (SPEC) or `X-Requested-With` (SDK), facts I.9.

    `X-Requested-With` only counts when it holds a UUID: browsers' libraries also send `XMLHttpRequest`.
    """
    for value in (tenant, requested_with):
        if not value:
            continue
        try:
            return str(uuid.UUID(value.strip()))  # canonical (lower-case) form, as tenants are stored
        except ValueError:
            continue
    return None


def _required(form: dict[str, str], name: str) -> str:
    value = form.get(name)
    if not value:
        raise OAuthError("invalid_request", f"Missing form parameter: {name}")
    return value


class TokenEndpoint:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.grants: dict[str, Callable[[OAuthClient, dict[str, str], str | None], dict[str, Any]]] = {
            "authorization_code": self.authorization_code,
            "client_credentials": self.client_credentials,
            "refresh_token": self.refresh_token,
        }

    def create_token(self, form: dict[str, str], tenant: str | None, authorization: str | None) -> dict[str, Any]:
        """One token request: pick the grant, authenticate the client, mint the tokens."""
        grant_type = _required(form, "grant_type")
        handler = self.grants.get(grant_type)
        if handler is None:
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}")
        client_id = form.get("client_id") or basic_client_id(authorization)  # Keycloak: either one names the client
        client = authenticate_client(
            self.sim, client_id or _required(form, "client_id"), form.get("client_secret"), authorization
        )
        return handler(client, form, tenant)

    def _mint(self, grant: Grant) -> dict[str, Any]:
        return self.sim.tokens.mint(grant, with_refresh=True, with_id_token="openid" in grant.scope.split())

    def authorization_code(self, client: OAuthClient, form: dict[str, str], tenant: str | None) -> dict[str, Any]:
        entry = Authorizer(self.sim).redeem(
            _required(form, "code"), client.id, form.get("redirect_uri"), form.get("code_verifier")
        )
        if entry.user_id not in self.sim.state.users.users:
            raise OAuthError("invalid_grant", "The user of this code no longer exists")
        tenant_id = tenant or entry.tenant_id
        if tenant_id:
            check_tenant_access(self.sim, client, entry.user_id, tenant_id, "invalid_grant")
        request = entry.request
        grant = Grant(
            subject=entry.user_id,
            client_id=client.id,
            tenant_id=tenant_id,
            user_id=entry.user_id,
            scope=request.scope,
            session_state=entry.session_state,
            nonce=request.nonce,
        )
        return self._mint(grant)

    def client_credentials(self, client: OAuthClient, form: dict[str, str], tenant: str | None) -> dict[str, Any]:
        """A service-account token; bound to the `tenant` header's tenant, or to none (application-info only)."""
        if client.public:
            raise OAuthError("unauthorized_client", "Public clients cannot use the client_credentials grant")
        if tenant:
            check_tenant_access(self.sim, client, None, tenant, "invalid_grant")
        extra = [s for s in form.get("scope", "").split() if s != APPLICATION_SCOPE]
        grant = Grant(
            subject=client.service_account_id,
            client_id=client.id,
            tenant_id=tenant,
            scope=" ".join([APPLICATION_SCOPE, *extra]),
            session_state=self.sim.token_random.uuid(),
        )
        return self._mint(grant)

    def refresh_token(self, client: OAuthClient, form: dict[str, str], tenant: str | None) -> dict[str, Any]:
        """New tokens for the same subject; same tenant unless the request names another one it may use."""
        try:
            claims = self.sim.tokens.verify(_required(form, "refresh_token"), "Refresh")
        except Unauthorized as error:
            raise OAuthError("invalid_grant", error.message.replace("Invalid token", "Invalid refresh token")) from None
        if claims.get("azp") != client.id:
            raise OAuthError("invalid_grant", "Token client and authorized client don't match")
        session_state = str(claims.get("session_state") or "")
        if session_state in self.sim.state.identity.ended_sessions:
            raise OAuthError("invalid_grant", "Session not active (logged out)")
        subject = str(claims["sub"])
        if subject in self.sim.state.users.users:
            user_id: str | None = subject
        elif subject == client.service_account_id:
            user_id = None
        else:
            raise OAuthError("invalid_grant", "The subject of this refresh token no longer exists")
        tenant_id = tenant or claims.get("tenant")
        if tenant_id:
            check_tenant_access(self.sim, client, user_id, tenant_id, "invalid_grant")
        grant = Grant(
            subject=subject,
            client_id=client.id,
            tenant_id=tenant_id,
            user_id=user_id,
            scope=str(claims.get("scope") or ""),
            session_state=session_state or None,
        )
        return self._mint(grant)
