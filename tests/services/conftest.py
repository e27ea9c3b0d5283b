"""Fixtures of the account tests: the owner's client and a second tenant made through the API."""

from __future__ import annotations

import httpx
import pytest

from simulator.testing import SimHandle
from tests.services.account_helpers import OtherTenant, tenant_body


@pytest.fixture
def owner(olt_sim: SimHandle) -> httpx.Client:
    return olt_sim.client()


@pytest.fixture
def other(olt_sim: SimHandle, owner: httpx.Client) -> OtherTenant:
    response = owner.post("/tenants", json=tenant_body())
    assert response.status_code == 201, response.text
    tenant_id = response.json()["data"]["id"]
    return OtherTenant(tenant_id, olt_sim.client(olt_sim.token(tenant=tenant_id)))
