"""Helpers of the account tests (imported as a top-level module: pytest puts this folder on sys.path)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from simulator.testing import SimHandle

TOKEN_PATH = "/id/auth/realms/olt/protocol/openid-connect/token"


def tenant_body(name: str = "Other Corp", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "billingContact": {"firstName": "Otto", "lastName": "Other", "email": "otto@example.com"},
        "billingCompany": {"name": "Other Corp GmbH", "vatNumber": "DE999999999"},
        "package": {"id": "basic"},
        "payment": {"paymentMethod": {"type": "scheme"}},
        **extra,
    }


@dataclass
class OtherTenant:
    """A tenant the seeded owner created through the API (so the owner is a member of both tenants)."""

    id: str
    client: httpx.Client  # owner token bound to this tenant


def user_id(olt_sim: SimHandle, email: str) -> str:
    return str(olt_sim.world.users[email])


def new_user(olt_sim: SimHandle, email: str) -> str:
    return str(olt_sim.call(lambda: olt_sim.sim.users.create_user(email, "New", "User").id))


def role_id(client: httpx.Client, name: str) -> str:
    roles = client.get("/roles", params={"pageSize": 100}).json()["data"]
    return str(next(r["id"] for r in roles if r["name"] == name))


def permission_id(client: httpx.Client, alias: str) -> str:
    permissions = client.get("/permissions").json()["data"]["permissions"]
    return str(next(p["id"] for p in permissions if p["alias"] == alias))


def create_app(client: httpx.Client, name: str = "Sensor App", **extra: Any) -> dict[str, Any]:
    response = client.post("/application-developer/applications", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def client_credentials(olt_sim: SimHandle, client_id: str, secret: str, tenant: str | None) -> httpx.Response:
    """The real token endpoint, as a background application uses it (facts C.2)."""
    headers = {"tenant": tenant} if tenant else {}
    form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    return olt_sim.client(None).post(TOKEN_PATH, data=form, headers=headers)


def app_token(olt_sim: SimHandle, client_id: str, secret: str, tenant: str | None) -> str:
    response = client_credentials(olt_sim, client_id, secret, tenant)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
