"""Helpers for the identity tests: a tiny OIDC client driving the realm through httpx."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from html import unescape
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import jwt

from simulator.testing import SimHandle

REALM = "/id/auth/realms/olt"
OIDC = f"{REALM}/protocol/openid-connect"
AUTH, TOKEN, USERINFO = f"{OIDC}/auth", f"{OIDC}/token", f"{OIDC}/userinfo"
REDIRECT = "http://localhost:4200/auth-callback"
VERIFIER = "dBjftJeZ4CVP-mJ0kMa3yPzl1lz1.SoP~Jl2Y4bRf8M-verifier"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def auth_query(client_id: str, mode: str = "query", **extra: str) -> dict[str, str]:
    query = {
        "client_id": client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile email",
        "response_type": "code",
        "response_mode": mode,
        "state": "st-123",
        "nonce": "n-456",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
        "auto": "1",
    }
    query.update(extra)
    return {k: v for k, v in query.items() if v != ""}


def callback_params(response: httpx.Response, mode: str) -> dict[str, str]:
    """What the client's redirect_uri receives, for each response mode."""
    if mode == "form_post":
        assert response.status_code == 200, response.text
        assert f'action="{REDIRECT}"' in response.text
        fields = re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', response.text)
        return {unescape(k): unescape(v) for k, v in fields}
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return dict(parse_qsl(location.fragment if mode == "fragment" else location.query))


@dataclass
class Realm:
    """The realm as one test's client sees it."""

    olt_sim: SimHandle
    http: httpx.Client

    @classmethod
    def of(cls, olt_sim: SimHandle) -> Realm:
        return cls(olt_sim, olt_sim.client(None))

    @property
    def browser(self) -> str:
        return str(self.olt_sim.world.browser_client_id)

    @property
    def script(self) -> tuple[str, str]:
        return str(self.olt_sim.world.script_client_id), str(self.olt_sim.world.script_client_secret)

    def authorize(self, mode: str = "query", **extra: str) -> httpx.Response:
        return self.http.get(AUTH, params=auth_query(extra.pop("client_id", self.browser), mode, **extra))

    def code(self, mode: str = "query", **extra: str) -> str:
        return callback_params(self.authorize(mode, **extra), mode)["code"]

    def token(self, form: dict[str, str], headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(TOKEN, data=form, headers=headers)

    def exchange(self, code: str, verifier: str = VERIFIER, **extra: str) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "client_id": self.browser,
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
            **extra,
        }
        return self.token({k: v for k, v in form.items() if v != ""})

    def user_tokens(self, **extra: str) -> dict[str, Any]:
        response = self.exchange(self.code(**extra))
        assert response.status_code == 200, response.text
        return dict(response.json())

    def service_tokens(self, tenant: str | None = None) -> httpx.Response:
        client_id, secret = self.script
        headers = {"tenant": tenant} if tenant else None
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        return self.token(form, headers)

    def refresh(self, refresh_token: str, headers: dict[str, str] | None = None, client_id: str = "") -> httpx.Response:
        form = {"grant_type": "refresh_token", "client_id": client_id or self.browser, "refresh_token": refresh_token}
        return self.token(form, headers)

    def second_tenant(self, name: str = "Second", user: str = "owner@example.com") -> str:
        """A new tenant owned by a seeded user (so that user belongs to two tenants)."""
        sim = self.olt_sim.sim
        user_id = self.olt_sim.world.users[user]
        return str(self.olt_sim.call(lambda: sim.tenants.create_tenant(name, user_id).id))


def claims(token: str) -> dict[str, Any]:
    """Payload without verification (the tests that verify signatures do so explicitly)."""
    return dict(jwt.decode(token, options={"verify_signature": False}))


def oauth_error(response: httpx.Response, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error"] == error, body
    return str(body.get("error_description", ""))
