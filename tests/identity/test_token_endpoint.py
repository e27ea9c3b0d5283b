"""The token endpoint's other grants (client credentials, refresh with tenant switch) and its refusals."""

from __future__ import annotations

import base64

import pytest

from simulator.testing import SimHandle
from tests.identity.oidc_client import Realm, claims, oauth_error

FOREIGN = "123e4567-e89b-42d3-a456-426655440000"


@pytest.fixture
def realm(olt_sim: SimHandle) -> Realm:
    return Realm.of(olt_sim)


def test_client_credentials_with_a_tenant_header(realm: Realm, olt_sim: SimHandle) -> None:
    response = realm.service_tokens(olt_sim.tenant_id)
    assert response.status_code == 200, response.text
    tokens = response.json()
    access = claims(tokens["access_token"])
    client = olt_sim.sim.applications.get_client(realm.script[0])
    assert client is not None
    assert access["tenant"] == olt_sim.tenant_id
    assert access["sub"] == client.service_account_id
    assert access["azp"] == access["clientId"] == client.id
    assert access["scope"] == tokens["scope"] == "olt-applications"
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 864_000 and tokens["refresh_expires_in"] == 950_400
    assert "id_token" not in tokens


def test_client_credentials_without_a_tenant_header_has_no_tenant(realm: Realm) -> None:
    response = realm.service_tokens()
    assert response.status_code == 200
    assert "tenant" not in claims(response.json()["access_token"])


def test_client_credentials_with_openid_scope_adds_an_id_token(realm: Realm) -> None:
    client_id, secret = realm.script
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, "scope": "openid"}
    tokens = realm.token(form).json()
    assert tokens["scope"] == "olt-applications openid"
    assert claims(tokens["id_token"])["typ"] == "ID"


def test_client_credentials_need_the_app_installed_in_the_tenant(realm: Realm) -> None:
    other = realm.second_tenant()
    assert "not installed" in oauth_error(realm.service_tokens(other), 400, "invalid_grant")
    assert "does not exist" in oauth_error(realm.service_tokens(FOREIGN), 400, "invalid_grant")


def test_client_credentials_refused_for_public_clients(realm: Realm) -> None:
    response = realm.token({"grant_type": "client_credentials", "client_id": realm.browser})
    oauth_error(response, 400, "unauthorized_client")


@pytest.mark.parametrize(
    ("secret", "description"),
    [("", "not provided"), ("wrong", "Invalid client secret")],
)
def test_bad_client_secrets_are_401_invalid_client(realm: Realm, secret: str, description: str) -> None:
    client_id, _ = realm.script
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    assert description in oauth_error(realm.token(form), 401, "invalid_client")


def test_unknown_clients_are_401_invalid_client(realm: Realm) -> None:
    form = {"grant_type": "client_credentials", "client_id": "nobody", "client_secret": "x"}
    oauth_error(realm.token(form), 401, "invalid_client")


def test_client_secret_basic_is_accepted(realm: Realm) -> None:
    client_id, secret = realm.script
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    form = {"grant_type": "client_credentials", "client_id": client_id}
    assert realm.token(form, {"Authorization": f"Basic {basic}"}).status_code == 200
    wrong = base64.b64encode(f"{client_id}:nope".encode()).decode()
    oauth_error(realm.token(form, {"Authorization": f"Basic {wrong}"}), 401, "invalid_client")
    oauth_error(realm.token(form, {"Authorization": "Basic %%%"}), 401, "invalid_client")


def test_basic_credentials_name_the_client_without_a_client_id_field(realm: Realm) -> None:
    """Keycloak reads the client from `Authorization: Basic`; the form then needs no client_id."""
    client_id, secret = realm.script
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    response = realm.token({"grant_type": "client_credentials"}, {"Authorization": f"Basic {basic}"})
    assert response.status_code == 200, response.text
    oauth_error(realm.token({"grant_type": "client_credentials"}), 400, "invalid_request")  # neither names a client


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"client_id": "x"}, "invalid_request"),
        ({"grant_type": "client_credentials"}, "invalid_request"),
        ({"client_id": "x", "grant_type": "password"}, "unsupported_grant_type"),
        ({"client_id": "x", "grant_type": "id_token"}, "unsupported_grant_type"),
        ({"client_id": "x", "grant_type": ""}, "invalid_request"),
        ({"client_id": "", "grant_type": "client_credentials"}, "invalid_request"),
    ],
)
def test_grant_type_problems(realm: Realm, form: dict[str, str], error: str) -> None:
    oauth_error(realm.token(form), 400, error)


def test_a_non_uuid_tenant_header_is_invalid_request(realm: Realm) -> None:
    oauth_error(realm.service_tokens("not-a-uuid"), 400, "invalid_request")


def test_json_bodies_are_refused(realm: Realm) -> None:
    response = realm.http.post("/id/auth/realms/olt/protocol/openid-connect/token", json={"grant_type": "x"})
    assert response.status_code == 415


def test_refresh_keeps_the_tenant(realm: Realm, olt_sim: SimHandle) -> None:
    tokens = realm.user_tokens()
    olt_sim.advance(3600)
    response = realm.refresh(tokens["refresh_token"])
    assert response.status_code == 200, response.text
    renewed = response.json()
    for key in ("access_token", "refresh_token", "expires_in"):
        assert key in renewed
    access = claims(renewed["access_token"])
    assert access["tenant"] == olt_sim.tenant_id
    assert access["session_state"] == claims(tokens["access_token"])["session_state"]
    assert access["iat"] == claims(tokens["access_token"])["iat"] + 3600
    assert "id_token" in renewed  # the openid scope carries over


@pytest.mark.parametrize("header", ["tenant", "X-Requested-With"])
def test_refresh_switches_tenant_by_header(realm: Realm, header: str) -> None:
    second = realm.second_tenant()
    tokens = realm.user_tokens()
    renewed = realm.refresh(tokens["refresh_token"], {header: second})
    assert renewed.status_code == 200, renewed.text
    assert claims(renewed.json()["access_token"])["tenant"] == second
    assert claims(renewed.json()["id_token"])["tenant"] == second
    # the new refresh token remembers the new tenant
    again = realm.refresh(renewed.json()["refresh_token"])
    assert claims(again.json()["access_token"])["tenant"] == second


def test_the_switched_token_works_in_the_new_tenant(realm: Realm, olt_sim: SimHandle) -> None:
    second = realm.second_tenant()
    renewed = realm.refresh(realm.user_tokens()["refresh_token"], {"tenant": second}).json()
    info = olt_sim.client(renewed["access_token"]).get("/id/auth/realms/olt/protocol/openid-connect/userinfo")
    assert info.json()["tenant"] == second


def test_an_upper_case_tenant_header_names_the_same_tenant(realm: Realm, olt_sim: SimHandle) -> None:
    response = realm.service_tokens(olt_sim.tenant_id.upper())
    assert claims(response.json()["access_token"])["tenant"] == olt_sim.tenant_id


def test_x_requested_with_xmlhttprequest_is_not_a_tenant(realm: Realm, olt_sim: SimHandle) -> None:
    tokens = realm.user_tokens()
    renewed = realm.refresh(tokens["refresh_token"], {"X-Requested-With": "XMLHttpRequest"})
    assert claims(renewed.json()["access_token"])["tenant"] == olt_sim.tenant_id


@pytest.mark.parametrize("header", ["tenant", "X-Requested-With"])
def test_refresh_into_a_foreign_tenant_is_refused(realm: Realm, header: str) -> None:
    foreign = realm.second_tenant("Foreign", user="writer@example.com")
    tokens = realm.user_tokens(login_hint="reader@example.com")
    refused = realm.refresh(tokens["refresh_token"], {header: foreign})
    assert "not a member" in oauth_error(refused, 400, "invalid_grant")
    oauth_error(realm.refresh(tokens["refresh_token"], {header: FOREIGN}), 400, "invalid_grant")


def test_service_account_refresh_needs_an_installation(realm: Realm, olt_sim: SimHandle) -> None:
    tokens = realm.service_tokens(olt_sim.tenant_id).json()
    client_id, secret = realm.script
    form = {
        "grant_type": "refresh_token",
        "client_id": client_id,
        "client_secret": secret,
        "refresh_token": tokens["refresh_token"],
    }
    renewed = realm.token(form)
    assert renewed.status_code == 200, renewed.text
    assert claims(renewed.json()["access_token"])["tenant"] == olt_sim.tenant_id
    oauth_error(realm.token(form, {"tenant": realm.second_tenant()}), 400, "invalid_grant")
    oauth_error(realm.token({**form, "client_secret": "wrong"}), 401, "invalid_client")


def test_refresh_refusals(realm: Realm, olt_sim: SimHandle) -> None:
    tokens = realm.user_tokens()
    oauth_error(realm.refresh(tokens["access_token"]), 400, "invalid_grant")  # not a refresh token
    oauth_error(realm.refresh("garbage"), 400, "invalid_grant")
    oauth_error(realm.refresh(""), 400, "invalid_request")
    script_id, secret = realm.script
    form = {
        "grant_type": "refresh_token",
        "client_id": script_id,
        "client_secret": secret,
        "refresh_token": tokens["refresh_token"],
    }
    assert "don't match" in oauth_error(realm.token(form), 400, "invalid_grant")
    olt_sim.advance(950_401)
    assert "expired" in oauth_error(realm.refresh(tokens["refresh_token"]), 400, "invalid_grant")
