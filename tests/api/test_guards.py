"""Attacks from a web page or a crafted token: DNS rebinding, cross-site /_sim calls, bad claims, crashes."""

from __future__ import annotations

import asyncio
import string
from typing import Any

import httpx
import jwt
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import Settings
from simulator.api.app import create_app
from simulator.api.guards import exposure_warning, host_allowed
from simulator.identity.clients import redirect_allowed
from simulator.runtime import Simulator
from simulator.services.applications.models import OAuthClient
from simulator.testing import SimHandle

NAMES = frozenset({"localhost", "testserver"})


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) >= {"errorMessage", "errorCode"}
    return dict(body)


@given(st.from_regex(r"([a-z0-9-]{1,12}\.){0,3}[a-z][a-z0-9]{0,9}(:[0-9]{1,5})?", fullmatch=True))
def test_no_other_host_name_is_served(host: str) -> None:
    """Any name (not an IP literal) is refused unless it is a served name or under .localhost."""
    name = host.split(":")[0]
    assert host_allowed(host, NAMES) == (name in NAMES or name.endswith(".localhost"))


REALM_DOC = "/v1/id/auth/realms/olt/.well-known/openid-configuration"


@pytest.mark.parametrize("path", ["/v1/device-types", "/_sim/world", REALM_DOC])
def test_a_rebound_host_is_refused_everywhere(olt_sim: SimHandle, path: str) -> None:
    response = olt_sim.control().get(path, headers={"Host": "evil.example:8080"})
    assert _error(response, 403)["errorCode"] == "NO_ACCESS_TO_RESOURCE"


@pytest.mark.parametrize("host", ["localhost:8080", "127.0.0.1", "[::1]:80", "app.localhost", "testserver"])
def test_local_hosts_are_served(olt_sim: SimHandle, host: str) -> None:
    assert olt_sim.control().get("/_sim/world", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {"Content-Type": "multipart/form-data; boundary=x"},
    ],
)
def test_sim_posts_must_be_json(olt_sim: SimHandle, headers: dict[str, str]) -> None:
    before = olt_sim.sim.clock.time()
    response = olt_sim.control().post("/_sim/clock/advance", content=b'{"seconds": 60}', headers=headers)
    _error(response, 415)
    assert olt_sim.sim.clock.time() == before  # a refused request changes nothing


@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://localhost.evil.example", "null", "http://127.0.0.2"]
)
def test_cross_site_origins_cannot_drive_sim(olt_sim: SimHandle, origin: str) -> None:
    control = olt_sim.control()
    _error(control.post("/_sim/reset", json={}, headers={"Origin": origin}), 403)
    _error(control.delete("/_sim/requests", headers={"Origin": origin}), 403)


@pytest.mark.parametrize("origin", ["http://testserver", "http://localhost:3000", "http://127.0.0.1:5173"])
def test_same_origin_and_allowed_origins_may(olt_sim: SimHandle, origin: str) -> None:
    assert olt_sim.control().post("/_sim/reset", json={}, headers={"Origin": origin}).status_code == 200


def _client(sim: Simulator) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(sim)), base_url="http://127.0.0.1")


def test_an_explicit_cors_list_is_the_only_cross_origin_allowed() -> None:
    sim = Simulator(Settings(clock="manual", cors_origins=("https://app.example",)))

    async def run() -> tuple[int, int]:
        async with _client(sim) as client:
            ok = await client.post("/_sim/reset", json={}, headers={"Origin": "https://app.example"})
            refused = await client.post("/_sim/reset", json={}, headers={"Origin": "http://localhost:3000"})
            return ok.status_code, refused.status_code

    assert asyncio.run(run()) == (200, 403)


def test_a_control_token_guards_every_sim_call() -> None:
    token = "t0k3n-" + "x" * 20
    sim = Simulator(Settings(clock="manual", control_token=token))

    async def run() -> list[int]:
        async with _client(sim) as client:
            return [
                (await client.get("/_sim/world")).status_code,
                (await client.get("/_sim/world", headers={"Authorization": "Bearer wrong"})).status_code,
                (await client.post("/_sim/tokens", json={"user": "owner@example.com"})).status_code,
                (await client.get("/_sim/world", headers={"Authorization": f"Bearer {token}"})).status_code,
                (await client.get("/v1/id/auth/realms/olt/.well-known/openid-configuration")).status_code,
            ]

    assert asyncio.run(run()) == [401, 401, 401, 200, 200]


def test_serving_beyond_loopback_warns() -> None:
    assert exposure_warning("127.0.0.1", None) is None and exposure_warning("::1", None) is None
    assert "without authentication" in (exposure_warning("0.0.0.0", None) or "")
    assert "control token" in (exposure_warning("192.168.1.5", "x" * 20) or "")


def test_cli_refuses_bad_security_flags(capsys: pytest.CaptureFixture[str]) -> None:
    from simulator.cli import main

    for argv in (["serve", "--control-token", "short"], ["serve", "--redirect-uri", "http://evil@localhost/"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("olt-sim serve: error:")


def test_an_uncaught_exception_is_a_500_in_the_olt_shape_and_the_connection_lives_on(
    olt_sim: SimHandle, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setattr(type(olt_sim.sim.clock), "describe", broken)
    client = olt_sim.control()
    body = _error(client.get("/_sim/clock"), 500)
    assert body["errorCode"] == "INTERNAL_ERROR" and "boom" not in body["errorMessage"]
    assert "Traceback" in caplog.text and "boom" in caplog.text
    monkeypatch.undo()
    assert client.get("/_sim/clock").status_code == 200


# ------------------------------------------------------------------ tokens

CLAIM_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _signed(sim: Simulator, claims: dict[str, Any]) -> str:
    return jwt.encode(claims, sim.key.private_key, algorithm="RS256", headers={"kid": sim.key.kid})


def _good_claims(olt_sim: SimHandle) -> dict[str, Any]:
    return dict(jwt.decode(olt_sim.token(), options={"verify_signature": False}))


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    drop=st.sets(st.sampled_from(["exp", "sub", "iat", "nbf", "typ", "tenant", "azp", "iss"])),
    changes=st.dictionaries(
        st.sampled_from(["exp", "sub", "iat", "nbf", "typ", "tenant", "azp", "clientId", "auth_time", "scope"]),
        CLAIM_VALUES,
        max_size=3,
    ),
)
def test_any_signed_claim_set_is_accepted_or_401_never_500(
    olt_sim: SimHandle, drop: set[str], changes: dict[str, Any]
) -> None:
    claims = {k: v for k, v in _good_claims(olt_sim).items() if k not in drop} | changes
    response = olt_sim.client(_signed(olt_sim.sim, claims), check_contract=False).get("/device-types")
    assert response.status_code in (200, 401, 403), response.text
    if response.status_code == 200:
        assert isinstance(claims.get("exp"), int | float) and isinstance(claims.get("sub"), str)


@pytest.mark.parametrize(
    "change",
    [
        {"nbf": 4_102_444_800},
        {"exp": "never"},
        {"iat": "now"},
        {"nbf": [1]},
        {"exp": True},
        {"tenant": ["x"]},
        {"sub": 7},
    ],
)
def test_bad_time_and_shape_claims_are_401(olt_sim: SimHandle, change: dict[str, Any]) -> None:
    token = _signed(olt_sim.sim, _good_claims(olt_sim) | change)
    _error(olt_sim.client(token, check_contract=False).get("/device-types"), 401)


@pytest.mark.parametrize("missing", ["exp", "sub"])
def test_a_token_without_exp_or_sub_is_401(olt_sim: SimHandle, missing: str) -> None:
    claims = _good_claims(olt_sim)
    del claims[missing]
    _error(olt_sim.client(_signed(olt_sim.sim, claims), check_contract=False).get("/device-types"), 401)


def test_nbf_passes_once_the_clock_reaches_it(olt_sim: SimHandle) -> None:
    now = olt_sim.call(olt_sim.sim.clock.time)
    token = _signed(olt_sim.sim, _good_claims(olt_sim) | {"nbf": now + 60})
    client = olt_sim.client(token, check_contract=False)
    assert client.get("/device-types").status_code == 401
    olt_sim.advance(61)
    assert client.get("/device-types").status_code == 200


# ------------------------------------------------------------------ redirects

HOSTILE = st.text(alphabet=string.ascii_letters[:6] + "./:@\\#?%\t\x00-[]1", max_size=30)
LOCAL = ("localhost", "127.0.0.1", "[::1]")


def _browser_host(uri: str) -> str | None:
    """Where a browser would go: WHATWG parsing (httpx's parser follows it) on a backslash-normalised URL."""
    try:
        return httpx.URL(uri.replace("\\", "/")).host
    except (httpx.InvalidURL, ValueError):
        return None


@settings(max_examples=300)
@given(
    prefix=st.sampled_from(["http://localhost", "http://127.0.0.1:3000", "https://[::1]", "http://", ""]), tail=HOSTILE
)
def test_a_local_redirect_never_leaves_this_machine(prefix: str, tail: str) -> None:
    uri = prefix + tail
    client = OAuthClient.__new__(OAuthClient)
    client.redirect_uris = []
    if redirect_allowed(client, uri):
        assert _browser_host(uri) in ("localhost", "127.0.0.1", "::1", None), uri  # None: no browser goes there


@settings(max_examples=300)
@given(tail=HOSTILE)
def test_a_wildcard_redirect_stays_on_its_origin(tail: str) -> None:
    client = OAuthClient.__new__(OAuthClient)
    client.redirect_uris = ["http://localhost:3000*"]
    uri = "http://localhost:3000" + tail
    if redirect_allowed(client, uri):
        assert _browser_host(uri) in ("localhost", None), uri


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://localhost@evil.example/",
        "http://evil.example\\@localhost/",
        "http://localhost:3000.evil.example/",
        "//evil.example",
        "http://local\thost/",
        "javascript:alert(1)",
    ],
)
def test_logout_redirects_only_to_registered_uris(olt_sim: SimHandle, target: str) -> None:
    realm = olt_sim.client(None, check_contract=False)
    response = realm.get(
        "/id/auth/realms/olt/protocol/openid-connect/logout",
        params={"client_id": olt_sim.world.browser_client_id, "post_logout_redirect_uri": target},
    )
    assert response.status_code == 400 and "location" not in response.headers


def test_redirect_uris_of_the_browser_client_are_configurable() -> None:
    sim = Simulator(Settings(clock="manual", redirect_uris=("https://app.example/callback", "http://localhost:4200/*")))
    client = sim.applications.get_client(sim.world.browser_client_id)
    assert client is not None
    assert redirect_allowed(client, "https://app.example/callback")
    assert redirect_allowed(client, "http://localhost:4200/any/route")
    assert not redirect_allowed(client, "http://localhost:3000/")  # the local default no longer applies
    assert not redirect_allowed(client, "https://app.example/callback/../evil")


def test_the_cli_fills_the_security_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from simulator.cli import _settings, build_parser
    from simulator.cli_options import apply_defaults

    monkeypatch.setenv("OLT_SIM_CONTROL_TOKEN", "from-the-environment-1234")
    parser = build_parser()
    args = parser.parse_args(apply_defaults(parser, ["serve", "--redirect-uri", "http://localhost:4200/*"]))
    settings = _settings(args)
    assert settings.control_token == "from-the-environment-1234"
    assert settings.redirect_uris == ("http://localhost:4200/*",)
