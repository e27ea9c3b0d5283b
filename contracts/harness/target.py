"""The system under test: its URLs, whether it is our simulator, and the tokens to talk to it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from contracts import spec
from contracts.harness.options import Options, OptionsError
from contracts.harness.wire import Wire

OWNER = "owner@example.com"
#: The simulator tenant the isolation check reads from (created once, reused by later runs).
OTHER_TENANT = "Harness other tenant"


def split_base_url(base_url: str) -> tuple[str, str]:
    """(root, api): the URL the target lives at, and the API base (root + /v1); /v1 may be given or not."""
    root = base_url.rstrip("/")
    if root.endswith(spec.API_PREFIX):
        root = root[: -len(spec.API_PREFIX)]
    if not urlsplit(root).scheme:
        raise OptionsError(f"--base-url must be an absolute http(s) URL, not {base_url!r}")
    return root, root + spec.API_PREFIX


@dataclass
class Credentials:
    """A bearer token, fetched again with client credentials shortly before it expires."""

    token: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    tenant: str | None = None
    expires_at: float = field(default=float("inf"))

    def headers(self, wire: Wire, api_url: str, timeout: float) -> dict[str, str]:
        if self.client_id and (self.token is None or time.monotonic() > self.expires_at - 30):
            self._fetch(wire, api_url, timeout)
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def _fetch(self, wire: Wire, api_url: str, timeout: float) -> None:
        url = api_url + spec.operation("createToken").path
        data = {"grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret}
        headers = {"tenant": self.tenant} if self.tenant else {}
        response = wire.client.post(url, data=data, headers=headers, timeout=timeout)
        body = _json(response)
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            raise OptionsError(f"the token endpoint refused the client credentials ({response.status_code})")
        self.token = str(body["access_token"])
        self.expires_at = time.monotonic() + float(body.get("expires_in") or 300)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


@dataclass
class Target:
    options: Options
    wire: Wire
    root_url: str
    api_url: str
    credentials: Credentials
    is_simulator: bool = False
    not_simulated: set[str] = field(default_factory=set)
    other_credentials: Credentials | None = None
    #: The simulator tenant of the isolation check (None against other targets).
    other_tenant_id: str | None = None

    def headers(self) -> dict[str, str]:
        return self.credentials.headers(self.wire, self.api_url, self.options.timeout)

    def other_headers(self) -> dict[str, str] | None:
        if self.other_credentials is None:
            return None
        return self.other_credentials.headers(self.wire, self.api_url, self.options.timeout)

    def discover(self) -> None:
        """Ask whether this is our simulator (it answers /_sim/world) and what it does not simulate."""
        world = self._sim("GET", "/_sim/world")
        self.is_simulator = isinstance(world, dict) and "world" in world
        if not self.is_simulator:
            return
        coverage = self._sim("GET", "/_sim/coverage")
        if isinstance(coverage, dict):
            self.not_simulated = set(coverage.get("notSimulated") or [])

    def authenticate(self) -> None:
        """Use the given credentials; against the simulator, mint what is missing (owner, other tenant)."""
        options = self.options
        self.credentials = Credentials(options.token, options.client_id, options.client_secret, options.tenant)
        if options.other_token:
            self.other_credentials = Credentials(options.other_token)
        if not self.is_simulator:
            if not (options.token or options.client_id):
                raise OptionsError("give --token or --client-id/--client-secret/--tenant")
            return
        if not (options.token or options.client_id):
            self.credentials = Credentials(self._mint({"user": OWNER}))
        if self.other_credentials is None:
            tenant = self._sim("POST", "/_sim/tenants", {"name": OTHER_TENANT, "owner": OWNER})
            if isinstance(tenant, dict) and tenant.get("tenantId"):
                self.other_tenant_id = str(tenant["tenantId"])
                self.other_credentials = Credentials(self._mint({"user": OWNER, "tenant": tenant["tenantId"]}))

    def _mint(self, body: dict[str, Any]) -> str | None:
        answer = self._sim("POST", "/_sim/tokens", body)
        return str(answer["access_token"]) if isinstance(answer, dict) and "access_token" in answer else None

    def sim_call(self, method: str, path: str, body: Any = None) -> Any:
        """A call of the simulator's control API (JSON in, JSON out; None when it failed)."""
        return self._sim(method, path, body)

    def _sim(self, method: str, path: str, body: Any = None) -> Any:
        try:
            response = self.wire.client.request(method, self.root_url + path, json=body, timeout=self.options.timeout)
        except httpx.HTTPError:
            return None
        return _json(response) if response.status_code < 300 else None
