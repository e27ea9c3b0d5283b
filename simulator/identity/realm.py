"""The realm's public documents: realm info, OIDC discovery (facts C.1) and JWKS, under `sim.issuer`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def realm_info(sim: Simulator) -> dict[str, Any]:
    """Keycloak's realm-info body (facts I.23); `public_key` is base64 DER without PEM armour."""
    return {
        "realm": "olt",
        "public_key": sim.key.public_key_b64,
        "token-service": f"{sim.issuer}/protocol/openid-connect",
        "account-service": f"{sim.issuer}/account",
        "tokens-not-before": 0,
    }


def jwks(sim: Simulator) -> dict[str, Any]:
    return {"keys": [sim.key.jwk()]}


def openid_configuration(sim: Simulator) -> dict[str, Any]:
    """The discovery document as OLT's realm publishes it (facts C.1), with this simulator's URLs."""
    realm = sim.issuer
    oidc = f"{realm}/protocol/openid-connect"
    return {
        "issuer": realm,
        "authorization_endpoint": f"{oidc}/auth",
        "token_endpoint": f"{oidc}/token",
        "token_introspection_endpoint": f"{oidc}/token/introspect",
        "userinfo_endpoint": f"{oidc}/userinfo",
        "end_session_endpoint": f"{oidc}/logout",
        "jwks_uri": f"{oidc}/certs",
        "check_session_iframe": f"{oidc}/login-status-iframe.html",
        "grant_types_supported": ["authorization_code", "implicit", "refresh_token", "password", "client_credentials"],
        "response_types_supported": [
            "code",
            "none",
            "id_token",
            "token",
            "id_token token",
            "code id_token",
            "code token",
            "code id_token token",
        ],
        "subject_types_supported": ["public"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "token_endpoint_auth_methods_supported": [
            "private_key_jwt",
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
        ],
        "scopes_supported": [
            "openid",
            "offline_access",
            "profile",
            "email",
            "address",
            "phone",
            "olt-internal",
            "olt-external",
            "olt-applications",
        ],
        "claims_supported": [
            "sub",
            "iss",
            "auth_time",
            "name",
            "given_name",
            "family_name",
            "preferred_username",
            "email",
        ],
        "code_challenge_methods_supported": ["plain", "S256"],
        "registration_endpoint": f"{realm}/clients-registrations/openid-connect",
    }
