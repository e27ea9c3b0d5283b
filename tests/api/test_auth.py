"""Bearer authentication on API operations: every bad token is a 401 in OLT's error shape, never a 500.

Uses `listDeviceTypes` (GET /device-types), an operation that authenticates and needs a tenant-bound
token with `devicetypes:read`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.api.not_simulated import NOT_SIMULATED
from simulator.testing import SimHandle

OPERATION, PATH = "listDeviceTypes", "/device-types"
TOKEN_URL = "/id/auth/realms/olt/protocol/openid-connect/token"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unverified(token: str) -> dict[str, Any]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def get(olt_sim: SimHandle, authorization: str | None) -> httpx.Response:
    headers = {"Authorization": authorization} if authorization is not None else {}
    return olt_sim.client(None).get(PATH, headers=headers)


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert set(body) == {"errorMessage", "errorCode"}
    assert body["errorCode"] == "UNAUTHORIZED"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_the_operation_is_simulated() -> None:
    assert OPERATION not in NOT_SIMULATED


def test_a_good_token_is_accepted(olt_sim: SimHandle) -> None:
    assert get(olt_sim, f"Bearer {olt_sim.token()}").status_code == 200


def resign(olt_sim: SimHandle, **changes: Any) -> str:
    """A real token's claims, changed, signed with the realm's own key."""
    return olt_sim.sim.tokens.encode(unverified(olt_sim.token()) | changes)


def foreign_key(olt_sim: SimHandle) -> str:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return jwt.encode(unverified(olt_sim.token()), other, algorithm="RS256", headers={"kid": olt_sim.sim.key.kid})


def alg_none(olt_sim: SimHandle) -> str:
    return jwt.encode(unverified(olt_sim.token()), "", algorithm="none")


def hs256_with_the_public_key(olt_sim: SimHandle) -> str:
    """The classic algorithm confusion: HMAC keyed with the published RSA public key."""
    secret = olt_sim.sim.key.public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = ".".join(
        b64url(json.dumps(part).encode()) for part in ({"alg": "HS256", "typ": "JWT"}, unverified(olt_sim.token()))
    )
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}"


def tampered(olt_sim: SimHandle) -> str:
    header, _, signature = olt_sim.token().split(".")
    payload = unverified(olt_sim.token()) | {"tenant": "123e4567-e89b-42d3-a456-426655440000"}
    return f"{header}.{b64url(json.dumps(payload).encode())}.{signature}"


def expired(olt_sim: SimHandle) -> str:
    token = olt_sim.token()
    olt_sim.advance(olt_sim.sim.settings.token_lifetime_seconds + 1)
    return token


def refresh_token(olt_sim: SimHandle) -> str:
    world = olt_sim.world
    form = {
        "grant_type": "client_credentials",
        "client_id": world.script_client_id,
        "client_secret": world.script_client_secret,
    }
    response = olt_sim.client(None).post(TOKEN_URL, data=form, headers={"tenant": olt_sim.tenant_id})
    return str(response.json()["refresh_token"])


BAD_TOKENS: dict[str, Callable[[SimHandle], str]] = {
    "garbage": lambda _: "garbage",
    "three garbage segments": lambda _: "a.b.c",
    "expired": expired,
    "signed by another key": foreign_key,
    "tampered payload": tampered,
    "wrong issuer": lambda s: resign(s, iss="https://id.example.com/v1/id/auth/realms/olt"),
    "alg none": alg_none,
    "hs256 with the public key": hs256_with_the_public_key,
    "refresh token as access token": refresh_token,
    "id token as access token": lambda s: resign(s, typ="ID"),
    "unknown client": lambda s: resign(s, azp="no-such-client", clientId="no-such-client"),
    "unknown subject": lambda s: resign(s, sub="123e4567-e89b-42d3-a456-426655440000"),
    "exp in the past": lambda s: resign(s, exp=int(s.sim.clock.time()) - 1),
}


@pytest.mark.parametrize("make", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_bad_tokens_are_401(olt_sim: SimHandle, make: Callable[[SimHandle], str]) -> None:
    assert_refused(get(olt_sim, f"Bearer {make(olt_sim)}"))


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Bearer    ", "Basic dXNlcjpwYXNz", "Token abc", "bearer-abc", "eyJhbGciOi"],
)
def test_missing_or_malformed_headers_are_401(olt_sim: SimHandle, authorization: str | None) -> None:
    assert_refused(get(olt_sim, authorization))


def test_the_scheme_is_case_insensitive(olt_sim: SimHandle) -> None:
    assert get(olt_sim, f"bearer {olt_sim.token()}").status_code == 200


def test_a_token_of_another_key_with_a_forged_kid_does_not_poison_the_cache(olt_sim: SimHandle) -> None:
    forged = foreign_key(olt_sim)
    assert_refused(get(olt_sim, f"Bearer {forged}"))
    assert_refused(get(olt_sim, f"Bearer {forged}"))


HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300)


@FUZZ
@given(token=HEADER_TEXT)
def test_random_bearer_tokens_are_401(olt_sim: SimHandle, token: str) -> None:
    assert_refused(get(olt_sim, f"Bearer {token}"))


@FUZZ
@given(value=HEADER_TEXT)
def test_random_authorization_headers_never_500(olt_sim: SimHandle, value: str) -> None:
    assert_refused(get(olt_sim, value))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
HEADERS = st.fixed_dictionaries(
    {"alg": st.sampled_from(["RS256", "none", "HS256", "ES256", "PS256", "RS512", ""]) | st.text(max_size=8)},
    optional={"kid": JSON_VALUES, "typ": JSON_VALUES, "crit": JSON_VALUES, "jku": JSON_VALUES},
)
CLAIMS = st.dictionaries(
    st.sampled_from(["sub", "iss", "exp", "typ", "azp", "tenant", "nbf", "iat", "aud"]) | st.text(max_size=8),
    JSON_VALUES,
    max_size=8,
)


@FUZZ
@given(header=HEADERS | JSON_VALUES, payload=CLAIMS | JSON_VALUES, signature=st.binary(max_size=300))
def test_structured_forgeries_are_401(olt_sim: SimHandle, header: Any, payload: Any, signature: bytes) -> None:
    token = ".".join(b64url(json.dumps(part).encode()) for part in (header, payload)) + "." + b64url(signature)
    assert_refused(get(olt_sim, f"Bearer {token}"))
