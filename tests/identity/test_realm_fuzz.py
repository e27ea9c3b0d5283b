"""Random input to every realm entry point: always a 2xx/3xx or a 4xx OAuth error, never a 500."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.testing import SimHandle
from tests.identity.oidc_client import AUTH, OIDC, REALM, TOKEN, VERIFIER, Realm

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
UUIDS = st.uuids().map(str)


def assert_handled(response: httpx.Response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400 and response.headers.get("content-type", "").startswith("application/json"):
        assert "error" in response.json() or "errorCode" in response.json()


def pick(choices: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(choices) | TEXT


@FUZZ
@given(data=st.data())
def test_token_endpoint_with_random_forms(olt_sim: SimHandle, data: st.DataObject) -> None:
    world = olt_sim.world
    form = data.draw(
        st.dictionaries(
            st.sampled_from(
                [
                    "grant_type",
                    "client_id",
                    "client_secret",
                    "code",
                    "redirect_uri",
                    "refresh_token",
                    "code_verifier",
                    "scope",
                ]
            )
            | TEXT,
            TEXT
            | st.sampled_from(
                [
                    world.script_client_id,
                    world.browser_client_id,
                    world.script_client_secret,
                    "client_credentials",
                    "refresh_token",
                    "authorization_code",
                    VERIFIER,
                ]
            ),
            max_size=8,
        )
    )
    headers = data.draw(
        st.dictionaries(
            st.sampled_from(["tenant", "X-Requested-With", "Authorization"]),
            TEXT | UUIDS | st.just(olt_sim.tenant_id),
            max_size=3,
        )
    )
    assert_handled(olt_sim.client(None).post(TOKEN, data=form, headers=headers))


@FUZZ
@given(data=st.data())
def test_authorize_with_random_queries(olt_sim: SimHandle, data: st.DataObject) -> None:
    world = olt_sim.world
    query = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "client_id": pick([world.browser_client_id, world.script_client_id]),
                "redirect_uri": pick(["http://localhost:4200/cb", "http://127.0.0.1/x?y=1", "https://e.example/"]),
                "scope": pick(["openid", "openid profile email"]),
                "response_type": pick(["code", "token"]),
                "response_mode": pick(["query", "fragment", "form_post"]),
                "nonce": TEXT,
                "state": TEXT,
                "code_challenge": pick(["a" * 43]),
                "code_challenge_method": pick(["S256", "plain"]),
                "tenant": UUIDS | TEXT | st.just(olt_sim.tenant_id),
                "login_hint": pick(["owner@example.com", "reader@example.com"]),
                "prompt": pick(["none", "login"]),
                "auto": pick(["1", "0", "true"]),
            },
        )
    )
    assert_handled(olt_sim.client(None).get(AUTH, params=query))


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["request", "user", "tenant", "action"]) | TEXT, TEXT, max_size=5))
def test_login_action_with_random_forms(olt_sim: SimHandle, form: dict[str, str]) -> None:
    realm = Realm.of(olt_sim)
    page = realm.authorize("query", auto="")
    request_id = page.text.split('name="request" value="', 1)[1].split('"', 1)[0]
    form = {"request": request_id, **form} if "request" not in form else form
    assert_handled(realm.http.post(f"{REALM}/login-actions/authenticate", data=form))


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["id_token_hint", "post_logout_redirect_uri", "client_id", "state"]) | TEXT, TEXT, max_size=4
    )
)
def test_logout_with_random_parameters(olt_sim: SimHandle, params: dict[str, str]) -> None:
    assert_handled(olt_sim.client(None).get(f"{OIDC}/logout", params=params))
