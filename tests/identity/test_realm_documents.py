"""Realm info, discovery, JWKS (tokens verify with both keys), userinfo and logout."""

from __future__ import annotations

import textwrap
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from simulator.testing import SimHandle
from tests.identity.oidc_client import REALM, USERINFO, Realm, claims, oauth_error


@pytest.fixture
def realm(olt_sim: SimHandle) -> Realm:
    return Realm.of(olt_sim)


def issued_tokens(realm: Realm, olt_sim: SimHandle) -> list[str]:
    user = realm.user_tokens()
    service = realm.service_tokens(olt_sim.tenant_id).json()
    return [user["access_token"], user["refresh_token"], user["id_token"], service["access_token"]]


def verify(token: str, key: Any, issuer: str) -> dict[str, Any]:
    return dict(
        jwt.decode(token, key, algorithms=["RS256"], issuer=issuer, options={"verify_aud": False, "verify_exp": False})
    )


def test_realm_info_has_keycloaks_shape(realm: Realm, olt_sim: SimHandle) -> None:
    response = realm.http.get(REALM)
    assert response.status_code == 200
    info = response.json()
    assert info["realm"] == "olt"
    assert info["token-service"] == f"{olt_sim.sim.issuer}/protocol/openid-connect"
    assert info["account-service"] == f"{olt_sim.sim.issuer}/account"
    assert info["tokens-not-before"] == 0
    assert "BEGIN" not in info["public_key"] and "\n" not in info["public_key"]


def test_the_realm_public_key_verifies_issued_tokens(realm: Realm, olt_sim: SimHandle) -> None:
    body = realm.http.get(REALM).json()["public_key"]
    pem = "-----BEGIN PUBLIC KEY-----\n" + "\n".join(textwrap.wrap(body, 64)) + "\n-----END PUBLIC KEY-----\n"
    for token in issued_tokens(realm, olt_sim):
        assert verify(token, pem, olt_sim.sim.issuer)["iss"] == olt_sim.sim.issuer


def test_jwks_verifies_issued_tokens(realm: Realm, olt_sim: SimHandle) -> None:
    response = realm.http.get(f"{REALM}/protocol/openid-connect/certs")
    assert response.status_code == 200
    (jwk,) = response.json()["keys"]
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and jwk["use"] == "sig"
    key = jwt.PyJWK(jwk)
    for token in issued_tokens(realm, olt_sim):
        assert jwt.get_unverified_header(token)["kid"] == key.key_id
        verify(token, key, olt_sim.sim.issuer)


def test_a_token_from_another_seed_fails_verification(realm: Realm, olt_sim: SimHandle) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (jwk,) = realm.http.get(f"{REALM}/protocol/openid-connect/certs").json()["keys"]
    forged = jwt.encode(claims(realm.user_tokens()["access_token"]), other, algorithm="RS256")
    with pytest.raises(jwt.InvalidSignatureError):
        verify(forged, jwt.PyJWK(jwk), olt_sim.sim.issuer)


def test_discovery_document(realm: Realm, olt_sim: SimHandle) -> None:
    response = realm.http.get(f"{REALM}/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    issuer = olt_sim.sim.issuer
    assert issuer == "http://testserver/v1/id/auth/realms/olt"
    assert doc["issuer"] == issuer
    oidc = f"{issuer}/protocol/openid-connect"
    assert doc["authorization_endpoint"] == f"{oidc}/auth"
    assert doc["token_endpoint"] == f"{oidc}/token"
    assert doc["userinfo_endpoint"] == f"{oidc}/userinfo"
    assert doc["jwks_uri"] == f"{oidc}/certs"
    assert doc["end_session_endpoint"] == f"{oidc}/logout"
    assert doc["response_modes_supported"] == ["query", "fragment", "form_post"]
    assert doc["code_challenge_methods_supported"] == ["plain", "S256"]
    assert "olt-applications" in doc["scopes_supported"]
    # every endpoint the document names on this server that we simulate answers
    for url in (doc["jwks_uri"], doc["issuer"]):
        assert realm.http.get(url.removeprefix("http://testserver/v1")).status_code == 200


def test_userinfo(realm: Realm, olt_sim: SimHandle) -> None:
    tokens = realm.user_tokens(login_hint="writer@example.com")
    response = olt_sim.client(tokens["access_token"]).get(USERINFO)
    assert response.status_code == 200
    assert response.json() == {
        "sub": olt_sim.world.users["writer@example.com"],
        "email": "writer@example.com",
        "email_verified": True,
        "name": "Walter Writer",
        "given_name": "Walter",
        "family_name": "Writer",
        "preferred_username": "writer@example.com",
        "tenant": olt_sim.tenant_id,
    }


@pytest.mark.parametrize("token", [None, "garbage", "refresh"])
def test_userinfo_refuses_bad_tokens_with_oauth_401(realm: Realm, olt_sim: SimHandle, token: str | None) -> None:
    if token == "refresh":
        token = realm.user_tokens()["refresh_token"]
    oauth_error(olt_sim.client(token).get(USERINFO), 401, "invalid_token")


def test_userinfo_refuses_expired_tokens(realm: Realm, olt_sim: SimHandle) -> None:
    token = realm.user_tokens()["access_token"]
    olt_sim.advance(864_001)
    assert "expired" in oauth_error(olt_sim.client(token).get(USERINFO), 401, "invalid_token")


def test_userinfo_needs_a_user(realm: Realm, olt_sim: SimHandle) -> None:
    token = realm.service_tokens(olt_sim.tenant_id).json()["access_token"]
    oauth_error(olt_sim.client(token).get(USERINFO), 400, "invalid_request")


LOGOUT = f"{REALM}/protocol/openid-connect/logout"


def test_logout_ends_the_session_for_refresh(realm: Realm) -> None:
    tokens = realm.user_tokens()
    params = {"id_token_hint": tokens["id_token"], "post_logout_redirect_uri": "http://localhost:4200/", "state": "s"}
    response = realm.http.get(LOGOUT, params=params)
    assert response.status_code == 302
    assert response.headers["location"] == "http://localhost:4200/?state=s"
    oauth_error(realm.refresh(tokens["refresh_token"]), 400, "invalid_grant")
    assert realm.refresh(realm.user_tokens()["refresh_token"]).status_code == 200  # a new login works


def test_logout_without_redirect_is_204(realm: Realm) -> None:
    assert realm.http.post(LOGOUT, data={"id_token_hint": realm.user_tokens()["id_token"]}).status_code == 204
    assert realm.http.get(LOGOUT).status_code == 204


@pytest.mark.parametrize(
    "params",
    [
        {"post_logout_redirect_uri": "http://localhost:4200/"},  # no client named
        {"post_logout_redirect_uri": "https://evil.example.com/", "client_id": "browser"},
        {"id_token_hint": "garbage"},
    ],
)
def test_logout_refusals(realm: Realm, params: dict[str, str]) -> None:
    if params.get("client_id") == "browser":
        params = {**params, "client_id": realm.browser}
    oauth_error(realm.http.get(LOGOUT, params=params), 400, "invalid_request")
