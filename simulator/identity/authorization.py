"""The authorization-code flow: validate the request, log a user in, issue and redeem codes (with PKCE)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from typing import TYPE_CHECKING, Any

from simulator.core.errors import OAuthError
from simulator.identity.clients import check_tenant_access, known_client, redirect_allowed
from simulator.identity.store import AuthCode, AuthRequest, IdentityStore
from simulator.services.users.models import User

if TYPE_CHECKING:
    from simulator.runtime import Simulator

CODE_TTL = 60.0  # seconds of simulator time an authorization code stays redeemable
LOGIN_TTL = 1800.0  # how long a login page stays usable (Keycloak's default login timeout)
PKCE_METHODS = ("S256", "plain")  # "plain" only for confidential clients
DEFAULT_RESPONSE_MODE = "query"  # Keycloak's default for response_type=code
PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")  # RFC 7636 4.1 (verifier) and 4.2 (challenge)


def s256(verifier: str) -> str:
    """The S256 code challenge of a verifier: BASE64URL(SHA256(verifier)) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode().rstrip("=")


class Authorizer:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> IdentityStore:
        return self.sim.state.identity

    def validate(self, query: dict[str, Any]) -> AuthRequest:
        """Check an `authorize` query (client, redirect URI, response type, PKCE) in Keycloak's order."""
        client = known_client(self.sim, query["client_id"])
        redirect_uri = query["redirect_uri"]
        if not redirect_allowed(client, redirect_uri):
            raise OAuthError("invalid_request", "Invalid parameter: redirect_uri is not allowed for this client")
        if query["response_type"] != "code":
            raise OAuthError("unsupported_response_type", "Only response_type=code is supported")
        challenge, method = query.get("code_challenge"), query.get("code_challenge_method")
        if method and not challenge:
            raise OAuthError("invalid_request", "Missing parameter: code_challenge")
        if challenge and not PKCE_VALUE.fullmatch(challenge):
            raise OAuthError("invalid_request", "Invalid parameter: code_challenge")
        if method and method not in PKCE_METHODS:
            raise OAuthError("invalid_request", "Invalid parameter: code_challenge_method")
        if client.public and not (challenge and method == "S256"):
            # Keycloak's "PKCE required (S256)": a public client has no secret, only the verifier proves it
            raise OAuthError("invalid_request", "Missing parameter: code_challenge_method (public clients need S256)")
        return AuthRequest(
            id=self.sim.token_random.token_hex(16),
            client_id=client.id,
            redirect_uri=redirect_uri,
            response_mode=query.get("response_mode") or DEFAULT_RESPONSE_MODE,
            scope=query.get("scope") or "",
            expires_at=self.sim.clock.time() + LOGIN_TTL,
            state=query.get("state"),
            nonce=query.get("nonce"),
            code_challenge=challenge,
            code_challenge_method=(method or "plain") if challenge else None,
            login_hint=query.get("login_hint"),
            tenant_hint=query.get("tenant"),
        )

    def remember(self, request: AuthRequest) -> None:
        """Keep the request while the login page is shown."""
        self.store.purge(self.sim.clock.time())
        self.store.requests[request.id] = request

    def take_pending(self, request_id: str) -> AuthRequest:
        """The request a login form belongs to (each may be answered once)."""
        request = self.store.requests.pop(request_id, None)
        if request is None or request.expires_at <= self.sim.clock.time():
            raise OAuthError("invalid_request", "The login page has expired or was already used; start again")
        return request

    def find_user(self, hint: str | None) -> User | None:
        """The user a login hint names (e-mail or user id)."""
        if not hint:
            return None
        return self.sim.users.find_by_email(hint) or self.sim.state.users.users.get(hint)

    def default_user(self) -> User | None:
        users = self.sim.state.users.users
        return users.get(self.sim.world.owner_user_id) or next(iter(users.values()), None)

    def tenant_choices(self, request: AuthRequest, user_id: str) -> list[str]:
        """The tenants this user may pick for this client, in membership order."""
        client = known_client(self.sim, request.client_id)
        allowed = []
        for tenant_id in self.sim.users.tenants_of(user_id):
            try:
                check_tenant_access(self.sim, client, user_id, tenant_id, "access_denied")
            except OAuthError:
                continue
            allowed.append(tenant_id)
        return allowed

    def auto_approve(self, request: AuthRequest) -> dict[str, str]:
        """Approve without a login page: the hinted (or default) user, the hinted (or first) tenant."""
        user = self.find_user(request.login_hint) if request.login_hint else self.default_user()
        if user is None:
            raise OAuthError("invalid_request", f"No user matches login_hint {request.login_hint!r}")
        choices = self.tenant_choices(request, user.id)
        tenant_id = request.tenant_hint or (choices[0] if choices else None)
        return self.approve(request, user.id, tenant_id)

    def approve(self, request: AuthRequest, user_id: str, tenant_id: str | None) -> dict[str, str]:
        """Issue a code for the user (in the tenant) and return the callback parameters."""
        if user_id not in self.sim.state.users.users:
            raise OAuthError("invalid_request", f"Unknown user {user_id}")
        if tenant_id:
            client = known_client(self.sim, request.client_id)
            check_tenant_access(self.sim, client, user_id, tenant_id, "invalid_request")
        now = self.sim.clock.time()
        self.store.purge(now)
        code = AuthCode(
            code=self.sim.token_random.token_hex(24),
            request=request,
            user_id=user_id,
            tenant_id=tenant_id,
            session_state=self.sim.token_random.uuid(),
            expires_at=now + CODE_TTL,
        )
        self.store.codes[code.code] = code
        return {"code": code.code, "session_state": code.session_state}

    def redeem(self, code: str, client_id: str, redirect_uri: str | None, verifier: str | None) -> AuthCode:
        """Exchange a code once: same client, same redirect URI, matching PKCE verifier."""
        entry = self.store.codes.pop(code, None)  # single use, even when the exchange fails below
        if entry is None or entry.expires_at <= self.sim.clock.time():
            raise OAuthError("invalid_grant", "Code not valid (unknown, expired or already used)")
        request = entry.request
        if request.client_id != client_id:
            raise OAuthError("invalid_grant", "The code was issued to another client")
        if redirect_uri != request.redirect_uri:
            raise OAuthError("invalid_grant", "Incorrect redirect_uri")
        if request.code_challenge:
            self._check_verifier(request, verifier)
        return entry

    @staticmethod
    def _check_verifier(request: AuthRequest, verifier: str | None) -> None:
        if not verifier:
            raise OAuthError("invalid_grant", "PKCE code verifier not specified")
        if not PKCE_VALUE.fullmatch(verifier):
            raise OAuthError("invalid_grant", "PKCE invalid code verifier")
        expected = s256(verifier) if request.code_challenge_method == "S256" else verifier
        if not hmac.compare_digest(expected, request.code_challenge or ""):
            raise OAuthError("invalid_grant", "PKCE verification failed")
