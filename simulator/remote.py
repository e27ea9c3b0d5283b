"""A handle on a simulator or an OLT deployment in another process, for `--olt-sim-url` and `--olt-target`.

It offers what `SimHandle` offers over HTTP: with a simulator (`--olt-sim-url`) the `/_sim` API
resets, mints tokens and moves the clock; with another deployment (`--olt-target URL --olt-token T`)
the clients carry the given token and every simulator-only helper skips the test, saying why.
"""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any, NoReturn

import httpx
import pytest

from simulator.olt_errors import explaining

JSON = {"Content-Type": "application/json"}


class RemoteHandle:
    def __init__(self, base_url: str, *, token: str | None = None, simulator: bool = True, checker: Any = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.is_simulator = simulator
        self._token = token
        self._checker = checker
        self._clients: list[httpx.Client] = []
        self._world: dict[str, Any] | None = None
        self.scenario: Any = None

    # ------------------------------------------------------------ both kinds
    @property
    def api_url(self) -> str:
        return self.base_url + "/v1"

    def client(self, token: str | None = "owner", *, check_contract: bool = True) -> httpx.Client:
        """An httpx client on /v1; `token` is a token, a seeded e-mail, 'owner' or None."""
        if token == "owner":
            token = self._token or self.token()
        elif token and "@" in token:
            token = self.token(token)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        hooks = [explaining, self._check] if check_contract and self._checker is not None else [explaining]
        client = httpx.Client(base_url=self.api_url, headers=headers, event_hooks={"response": hooks}, timeout=30)
        self._clients.append(client)
        return client

    def _check(self, response: httpx.Response) -> None:
        self._checker.check(response)

    @property
    def tenant_id(self) -> str:
        if self.is_simulator:
            return str(self.world.tenant_id)
        claims = _claims(self._token or "")
        if "tenant" not in claims:
            self._only_simulator("tenant_id (the --olt-token carries no tenant claim)")
        return str(claims["tenant"])

    def reset(self) -> None:
        if self.is_simulator:
            self._post("/_sim/reset")
            self._world = None

    def close(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()

    # ------------------------------------------------------ simulator only
    def _only_simulator(self, what: str) -> NoReturn:
        pytest.skip(f"{what} needs the simulator; --olt-target {self.base_url} is another deployment")

    def _post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if not self.is_simulator:
            self._only_simulator(path)
        response = httpx.post(self.base_url + path, json=body or {}, headers=JSON, timeout=30)
        explaining(response)
        response.raise_for_status()
        return dict(response.json()) if response.content else {}

    def _get(self, path: str, **params: str) -> dict[str, Any]:
        if not self.is_simulator:
            self._only_simulator(path)
        response = httpx.get(self.base_url + path, params=params, timeout=30)
        explaining(response)
        return dict(response.raise_for_status().json())

    def token(self, user: str = "owner@example.com", tenant: str | None = None, client_id: str | None = None) -> str:
        if not self.is_simulator:
            if user == "owner@example.com" and client_id is None and tenant is None and self._token:
                return self._token
            self._only_simulator(f"a token for {client_id or user}")
        body: dict[str, Any] = {"clientId": client_id} if client_id else {"user": user}
        if tenant:
            body["tenant"] = tenant
        return str(self._post("/_sim/tokens", body)["access_token"])

    @property
    def world(self) -> SimpleNamespace:
        if self._world is None:
            self._world = self._get("/_sim/world")
        world, mqtt = self._world["world"], self._world
        return SimpleNamespace(
            tenant_id=world["tenantId"],
            owner_user_id=world["ownerUserId"],
            users=world["users"],
            script_client_id=world["scriptClient"]["id"],
            script_client_secret=world["scriptClient"]["secret"],
            browser_client_id=world["browserClientId"],
            mqtt_port=mqtt.get("mqttPort"),
        )

    def control(self) -> httpx.Client:
        """A client on the server root, for /_sim and other non-contract routes."""
        if not self.is_simulator:
            self._only_simulator("/_sim")
        client = httpx.Client(base_url=self.base_url, headers=JSON, event_hooks={"response": [explaining]}, timeout=30)
        self._clients.append(client)
        return client

    def advance(self, seconds: float) -> int:
        return int(self._post("/_sim/clock/advance", {"seconds": seconds}).get("timersFired", 0))

    def now(self) -> str:
        return str(self._get("/_sim/clock")["now"])

    def mqtt_messages(self) -> list[dict[str, Any]]:
        return list(self._get("/_sim/mqtt/messages")["data"])

    def mqtt_password(self, device_id: str) -> str:
        found = self._get("/_sim/mqtt", deviceId=device_id)["credentials"]
        if not found:
            raise KeyError(device_id)
        return str(found[0]["password"])

    @property
    def mqtt_port(self) -> int | None:
        return self._get("/_sim/mqtt").get("mqttPort")

    @property
    def mqtt_host(self) -> str:
        return str(self._get("/_sim/mqtt").get("mqttHost", "127.0.0.1"))

    @property
    def sim(self) -> Any:
        where = "the simulator in this process" if self.is_simulator else "the simulator"
        pytest.skip(f"the handle's .sim needs {where}; the tests run against {self.base_url}")

    def call(self, fn: Any) -> Any:
        pytest.skip(f"the handle's .call() needs the simulator in this process; the tests run against {self.base_url}")


def _claims(token: str) -> dict[str, Any]:
    """The unverified claims of a JWT (only to learn the tenant the user gave us a token for)."""
    try:
        payload = token.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
    except (IndexError, ValueError):
        return {}
