"""Minting and verifying the realm's RS256 JWTs (claims as in facts C.3).

A token is accepted when its signature is the realm's (RS256 only), `iss` is this realm, `typ`
is what the caller expects, `exp` and `sub` are present, `exp`/`iat`/`nbf` are numbers, `exp` is
in the future and `nbf` is not (by the simulator's clock), as Keycloak checks them. `aud` is
not checked, as on the platform: every client's access token is good for the API (its `aud` and
`azp` name the client, and `azp` must name a client the realm knows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import jwt

from simulator.core.errors import Unauthorized
from simulator.identity.keys import RealmKey

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass(frozen=True)
class Grant:
    """Who a token speaks for: a user (through a client) or a client's service account."""

    subject: str
    client_id: str
    tenant_id: str | None
    user_id: str | None = None
    scope: str = "openid profile email"
    session_state: str | None = None
    nonce: str | None = None  # from the authorization request; echoed in the ID token


NUMERIC_CLAIMS = ("exp", "iat", "nbf", "auth_time")
STRING_CLAIMS = ("sub", "typ", "azp", "clientId", "tenant", "session_state", "scope", "nonce")


def check_claims(claims: dict[str, Any]) -> dict[str, Any]:
    """The shape rules a signed token must also follow; Unauthorized (never a crash) otherwise."""
    for name in ("exp", "sub"):
        if name not in claims:
            raise Unauthorized(f"Invalid token: the {name!r} claim is missing")
    for name in NUMERIC_CLAIMS:
        value = claims.get(name, 0)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise Unauthorized(f"Invalid token: the {name!r} claim is not a number")
    for name in STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise Unauthorized(f"Invalid token: the {name!r} claim is not a string")
    if not claims["sub"]:
        raise Unauthorized("Invalid token: the 'sub' claim is empty")
    return claims


class TokenService:
    def __init__(self, sim: Simulator, key: RealmKey) -> None:
        self.sim = sim
        self.key = key
        self._verified: dict[str, dict[str, Any]] = {}

    @property
    def issuer(self) -> str:
        return self.sim.issuer

    def _claims(self, grant: Grant, typ: str, lifetime: int) -> dict[str, Any]:
        now = int(self.sim.clock.time())
        claims: dict[str, Any] = {
            "jti": self.sim.token_random.uuid(),
            "exp": now + lifetime,
            "nbf": 0,
            "iat": now,
            "iss": self.issuer,
            "aud": grant.client_id,
            "sub": grant.subject,
            "typ": typ,
            "azp": grant.client_id,
            "auth_time": now if grant.user_id else 0,
            "session_state": grant.session_state or self.sim.token_random.uuid(),
            "acr": "1",
            "scope": grant.scope,
        }
        if typ != "Refresh":
            claims.update({"allowed-origins": ["*"], "resource_access": {}, "clientId": grant.client_id})
            if grant.tenant_id:
                claims["tenant"] = grant.tenant_id
        if grant.user_id:
            claims.update(self.sim.users.get_user(grant.user_id).claims())
        if typ == "Refresh" and grant.tenant_id:
            claims["tenant"] = grant.tenant_id  # remembered so a refresh keeps the tenant
        return claims

    def encode(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key.private_key, algorithm="RS256", headers={"kid": self.key.kid})

    def mint(self, grant: Grant, *, with_refresh: bool = True, with_id_token: bool = False) -> dict[str, Any]:
        """A token response as the realm's token endpoint returns it."""
        settings = self.sim.settings
        access_claims = self._claims(grant, "Bearer", settings.token_lifetime_seconds)
        response: dict[str, Any] = {
            "access_token": self.encode(access_claims),
            "expires_in": settings.token_lifetime_seconds,
            "refresh_expires_in": settings.refresh_lifetime_seconds if with_refresh else 0,
            "token_type": "bearer",
            "not-before-policy": 0,
            "session_state": access_claims["session_state"],
            "scope": grant.scope,
        }
        if with_refresh:
            response["refresh_token"] = self.encode(
                self._claims(grant, "Refresh", settings.refresh_lifetime_seconds)
                | {"session_state": access_claims["session_state"]}
            )
        if with_id_token:
            id_claims = self._claims(grant, "ID", settings.token_lifetime_seconds)
            if grant.nonce:
                id_claims["nonce"] = grant.nonce
            response["id_token"] = self.encode(id_claims)
        return response

    def verify(self, token: str, typ: str = "Bearer") -> dict[str, Any]:
        """Verified claims of a token, cached per token until it expires; raises Unauthorized."""
        claims = self._verified.get(token)
        if claims is None:
            try:
                claims = jwt.decode(
                    token,
                    self.key.public_key,
                    algorithms=["RS256"],
                    issuer=self.issuer,
                    options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
                )
            except jwt.PyJWTError as exc:
                raise Unauthorized(f"Invalid token: {exc}") from None
            check_claims(claims)
            if len(self._verified) > 10_000:
                self._verified.clear()
            self._verified[token] = claims
        if claims.get("typ") != typ:
            raise Unauthorized(f"Invalid token: not a {typ} token")
        now = self.sim.clock.time()
        if claims["exp"] <= now:
            raise Unauthorized("Invalid token: the token has expired")
        if claims.get("nbf", 0) > now:
            raise Unauthorized("Invalid token: the token is not valid yet (nbf)")
        return claims
