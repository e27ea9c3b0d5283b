"""The authorization-code flow end to end: authorize (page or auto), callback in each mode, code exchange."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest

from simulator.testing import SimHandle
from tests.identity.oidc_client import (
    AUTH,
    REDIRECT,
    VERIFIER,
    Realm,
    auth_query,
    callback_params,
    claims,
    oauth_error,
    s256,
)

LOGIN_ACTION = "/login-actions/authenticate"


@pytest.fixture
def realm(olt_sim: SimHandle) -> Realm:
    return Realm.of(olt_sim)


@pytest.mark.parametrize("mode", ["query", "fragment", "form_post"])
def test_code_flow_with_pkce_s256(realm: Realm, olt_sim: SimHandle, mode: str) -> None:
    params = callback_params(realm.authorize(mode), mode)
    assert params["state"] == "st-123"
    assert set(params) == {"code", "session_state", "state"}

    response = realm.exchange(params["code"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    access, identity = claims(tokens["access_token"]), claims(tokens["id_token"])
    owner = olt_sim.world.users["owner@example.com"]
    assert access["sub"] == identity["sub"] == owner
    assert access["tenant"] == identity["tenant"] == olt_sim.tenant_id
    assert access["azp"] == access["aud"] == realm.browser
    assert access["session_state"] == tokens["session_state"] == params["session_state"]
    assert identity["nonce"] == "n-456"
    assert claims(tokens["refresh_token"])["typ"] == "Refresh"
    assert tokens["scope"] == "openid profile email"


def test_the_user_token_works_on_the_api(realm: Realm, olt_sim: SimHandle) -> None:
    tokens = realm.user_tokens(login_hint="reader@example.com")
    info = olt_sim.client(tokens["access_token"]).get("/id/auth/realms/olt/protocol/openid-connect/userinfo")
    assert info.status_code == 200
    assert info.json()["email"] == "reader@example.com"


def test_no_id_token_without_openid_scope(realm: Realm) -> None:
    tokens = realm.user_tokens(scope="profile email")
    assert "id_token" not in tokens
    assert tokens["scope"] == "profile email"


def test_query_mode_keeps_the_redirect_uris_own_query(realm: Realm, olt_sim: SimHandle) -> None:
    redirect = REDIRECT + "?app=1"
    response = realm.http.get(AUTH, params=auth_query(realm.browser, redirect_uri=redirect))
    location = urlsplit(response.headers["location"])
    assert dict(parse_qsl(location.query))["app"] == "1"
    code = dict(parse_qsl(location.query))["code"]
    assert realm.exchange(code, redirect_uri=redirect).status_code == 200


def test_a_code_is_single_use(realm: Realm) -> None:
    code = realm.code()
    assert realm.exchange(code).status_code == 200
    oauth_error(realm.exchange(code), 400, "invalid_grant")


def test_a_code_expires_after_60_simulated_seconds(realm: Realm, olt_sim: SimHandle) -> None:
    fresh, stale = realm.code(), realm.code()
    olt_sim.advance(59)
    assert realm.exchange(fresh).status_code == 200
    olt_sim.advance(2)
    oauth_error(realm.exchange(stale), 400, "invalid_grant")


def test_pending_codes_survive_a_snapshot(realm: Realm, olt_sim: SimHandle) -> None:
    code = realm.code()
    snapshot = json.loads(json.dumps(olt_sim.call(olt_sim.sim.snapshot)))
    olt_sim.reset()
    olt_sim.call(lambda: olt_sim.sim.restore(snapshot))
    assert realm.exchange(code).status_code == 200


def test_reset_forgets_pending_codes(realm: Realm, olt_sim: SimHandle) -> None:
    code = realm.code()
    olt_sim.reset()
    oauth_error(realm.exchange(code), 400, "invalid_grant")


@pytest.mark.parametrize(
    ("verifier", "message"),
    [
        ("", "not specified"),
        ("x" * 43, "verification failed"),
        ("short", "invalid code verifier"),
        (s256(VERIFIER), "verification failed"),  # the challenge itself is not the verifier
    ],
)
def test_a_wrong_verifier_is_refused(realm: Realm, verifier: str, message: str) -> None:
    assert message in oauth_error(realm.exchange(realm.code(), verifier=verifier), 400, "invalid_grant")


def test_confidential_clients_may_use_plain_pkce_or_none(realm: Realm) -> None:
    client_id, secret = realm.script
    confidential = {"client_id": client_id, "client_secret": secret}
    plain = "p" * 50
    code = realm.code(client_id=client_id, code_challenge=plain, code_challenge_method="plain")
    oauth_error(realm.exchange(code, verifier="q" * 50, **confidential), 400, "invalid_grant")
    for method in ("plain", ""):  # a challenge without a method is plain (RFC 7636 4.3)
        code = realm.code(client_id=client_id, code_challenge=plain, code_challenge_method=method)
        assert realm.exchange(code, verifier=plain, **confidential).status_code == 200
    without = realm.code(client_id=client_id, code_challenge="", code_challenge_method="")
    assert realm.exchange(without, verifier="", **confidential).status_code == 200


@pytest.mark.parametrize(
    ("challenge", "method"),
    [("p" * 50, "plain"), ("p" * 50, ""), ("", ""), (s256(VERIFIER), "S512"), (s256(VERIFIER), "s256")],
)
def test_public_clients_must_use_pkce_s256(realm: Realm, challenge: str, method: str) -> None:
    """Keycloak's "PKCE required" for public clients: no challenge, "plain" or an unknown method is refused."""
    response = realm.authorize(code_challenge=challenge, code_challenge_method=method)
    oauth_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"redirect_uri": "http://localhost:4200/other"}, "invalid_grant"),
        ({"redirect_uri": ""}, "invalid_grant"),
        ({"code": "no-such-code"}, "invalid_grant"),
        ({"code": ""}, "invalid_request"),
    ],
)
def test_the_exchange_must_match_the_authorization(realm: Realm, change: dict[str, str], error: str) -> None:
    code = change.pop("code", None)
    oauth_error(realm.exchange(realm.code() if code is None else code, **change), 400, error)


def test_a_code_belongs_to_its_client(realm: Realm) -> None:
    script_id, secret = realm.script
    code = realm.code()
    response = realm.exchange(code, client_id=script_id, client_secret=secret)
    oauth_error(response, 400, "invalid_grant")


def test_a_confidential_client_needs_its_secret_for_the_exchange(realm: Realm) -> None:
    script_id, secret = realm.script
    code = realm.code(client_id=script_id)
    oauth_error(realm.exchange(code, client_id=script_id), 401, "invalid_client")
    code = realm.code(client_id=script_id)
    oauth_error(realm.exchange(code, client_id=script_id, client_secret="wrong"), 401, "invalid_client")
    code = realm.code(client_id=script_id)
    assert realm.exchange(code, client_id=script_id, client_secret=secret).status_code == 200


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"client_id": "unknown-client"}, "unauthorized_client"),
        ({"redirect_uri": "https://evil.example.com/cb"}, "invalid_request"),
        ({"redirect_uri": "http://localhost:4200/cb#frag"}, "invalid_request"),
        ({"redirect_uri": "not a uri"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": "code id_token"}, "unsupported_response_type"),
        ({"response_mode": "web_message"}, "invalid_request"),
        ({"code_challenge": "too-short"}, "invalid_request"),
        ({"code_challenge": "", "code_challenge_method": "S256"}, "invalid_request"),
        ({"code_challenge_method": "S512"}, "invalid_request"),
        ({"tenant": "123e4567-e89b-42d3-a456-426655440000"}, "invalid_request"),
        ({"login_hint": "nobody@example.com"}, "invalid_request"),
    ],
)
def test_authorize_refusals_are_400_oauth_errors(realm: Realm, change: dict[str, str], error: str) -> None:
    response = realm.authorize(**change)
    oauth_error(response, 400, error)
    assert "location" not in response.headers


def test_registered_redirect_uris_are_enforced(realm: Realm, olt_sim: SimHandle) -> None:
    client = olt_sim.sim.applications.get_client(realm.browser)
    assert client is not None
    olt_sim.call(lambda: client.redirect_uris.extend(["https://app.example.com/cb", "https://spa.example.com/*"]))
    oauth_error(realm.authorize(), 400, "invalid_request")  # localhost no longer implied
    for uri in ("https://app.example.com/cb", "https://spa.example.com/deep/path"):
        response = realm.http.get(AUTH, params=auth_query(realm.browser, redirect_uri=uri))
        assert response.headers["location"].startswith(uri + "?code=")
    oauth_error(realm.authorize(redirect_uri="https://app.example.com/cb2"), 400, "invalid_request")


def test_tenant_parameter_picks_the_tenant(realm: Realm) -> None:
    second = realm.second_tenant()
    assert claims(realm.user_tokens(tenant=second)["access_token"])["tenant"] == second


def test_a_user_without_tenants_gets_a_tenantless_token(realm: Realm, olt_sim: SimHandle) -> None:
    olt_sim.call(lambda: olt_sim.sim.users.create_user("new@example.com", "New", "Comer"))
    tokens = realm.user_tokens(login_hint="new@example.com")
    assert "tenant" not in claims(tokens["access_token"])
    info = olt_sim.client(tokens["access_token"]).get("/id/auth/realms/olt/protocol/openid-connect/userinfo")
    assert info.status_code == 200
    assert "tenant" not in info.json()


def test_prompt_none_with_a_login_hint_skips_the_page(realm: Realm, olt_sim: SimHandle) -> None:
    code = realm.code(auto="", prompt="none", login_hint="writer@example.com")
    tokens = realm.exchange(code).json()
    assert claims(tokens["access_token"])["sub"] == olt_sim.world.users["writer@example.com"]


def test_prompt_none_without_a_login_hint_answers_login_required(realm: Realm) -> None:
    params = callback_params(realm.authorize("fragment", auto="", prompt="none"), "fragment")
    assert params["error"] == "login_required"
    assert params["state"] == "st-123"


def _form(page: str) -> dict[str, str]:
    """The login page's default form values (hidden request id and the preselected options)."""
    values = dict(re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page))
    for name, options in re.findall(r'<select id="\w+" name="(\w+)">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected>', options)
        values[name] = chosen.group(1) if chosen else ""
    return {k: unescape(v) for k, v in values.items()}


def test_the_login_page_preselects_the_hinted_user_and_posts_back(realm: Realm, olt_sim: SimHandle) -> None:
    page = realm.authorize("query", auto="", login_hint="writer@example.com")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "reader@example.com" in page.text and "Demo Tenant" in page.text
    form = _form(page.text)
    assert form["user"] == olt_sim.world.users["writer@example.com"]
    assert form["tenant"] == olt_sim.tenant_id

    done = realm.http.post(f"/id/auth/realms/olt{LOGIN_ACTION}", data={**form, "action": "login"})
    params = callback_params(done, "query")
    tokens = realm.exchange(params["code"]).json()
    assert claims(tokens["access_token"])["sub"] == olt_sim.world.users["writer@example.com"]
    # the page was answered: posting it again fails
    again = realm.http.post(f"/id/auth/realms/olt{LOGIN_ACTION}", data={**form, "action": "login"})
    oauth_error(again, 400, "invalid_request")


def test_the_login_page_lets_the_user_pick_another_tenant(realm: Realm, olt_sim: SimHandle) -> None:
    second = realm.second_tenant("Picked")
    page = realm.authorize("form_post", auto="", tenant=second)
    form = _form(page.text)
    assert form["tenant"] == second
    params = callback_params(realm.http.post(f"/id/auth/realms/olt{LOGIN_ACTION}", data=form), "form_post")
    assert claims(realm.exchange(params["code"]).json()["access_token"])["tenant"] == second


def test_a_wrong_tenant_pick_is_refused_and_the_page_stays_usable(realm: Realm, olt_sim: SimHandle) -> None:
    foreign = realm.second_tenant("Foreign", user="writer@example.com")
    form = _form(realm.authorize("query", auto="", login_hint="reader@example.com").text)
    refused = realm.http.post(f"/id/auth/realms/olt{LOGIN_ACTION}", data={**form, "tenant": foreign})
    assert "not a member" in oauth_error(refused, 400, "invalid_request")
    done = realm.http.post(f"/id/auth/realms/olt{LOGIN_ACTION}", data=form)
    assert "code" in callback_params(done, "query")


def test_cancel_answers_access_denied(realm: Realm) -> None:
    form = _form(realm.authorize("query", auto="").text)
    cancelled = realm.http.post(f"/id/auth/realms/olt{LOGIN_ACTION}", data={**form, "action": "cancel"})
    params = callback_params(cancelled, "query")
    assert params["error"] == "access_denied"
    assert params["state"] == "st-123"


def test_a_stale_login_page_is_refused(realm: Realm, olt_sim: SimHandle) -> None:
    form = _form(realm.authorize("query", auto="").text)
    olt_sim.advance(1801)
    oauth_error(realm.http.post(f"/id/auth/realms/olt{LOGIN_ACTION}", data=form), 400, "invalid_request")


@pytest.mark.parametrize("absent", [("response_mode",), ("scope",), ("nonce",), ("response_mode", "nonce", "state")])
def test_parameters_keycloak_does_not_require_may_be_left_out(realm: Realm, absent: tuple[str, ...]) -> None:
    """oidc-client based browser apps send no response_mode: Keycloak answers the code flow in the query."""
    query = {k: v for k, v in auth_query(realm.browser).items() if k not in absent}
    response = realm.http.get(AUTH, params=query)
    params = callback_params(response, "query")
    tokens = realm.exchange(params["code"])
    assert tokens.status_code == 200, tokens.text
    assert ("id_token" in tokens.json()) == ("scope" not in absent)


@pytest.mark.parametrize("missing", ["client_id", "redirect_uri", "response_type"])
def test_parameters_keycloak_requires_are_refused_when_missing(realm: Realm, missing: str) -> None:
    query = {k: v for k, v in auth_query(realm.browser).items() if k != missing}
    response = realm.http.get(AUTH, params=query)
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
