"""No client input makes an account operation fail with a 5xx; the state survives snapshot/restore."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.testing import SimHandle
from tests.services.account_helpers import OtherTenant, create_app, role_id, user_id

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["owner", "accepted", "open", "123e4567-e89b-42d3-a456-426655440000"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "name",
                    "roles",
                    "status",
                    "permissions",
                    "client",
                    "user",
                    "alias",
                    "category",
                    "receiverEmail",
                    "roleNames",
                    "customPermissions",
                    "comment",
                    "redirectUris",
                ]
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=10,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON, target=st.integers(min_value=0, max_value=9))
def test_random_bodies_never_cause_a_server_error(
    olt_sim: SimHandle, owner: httpx.Client, body: Any, target: int
) -> None:
    tenant, reader = olt_sim.tenant_id, user_id(olt_sim, "reader@example.com")
    app = "123e4567-e89b-42d3-a456-426655440000"
    method, path = [
        ("POST", "/roles"),
        ("PATCH", f"/roles/{role_id(owner, 'reader')}"),
        ("PUT", f"/tenants/{tenant}/users/{reader}/roles"),
        ("POST", f"/tenants/{tenant}/invites"),
        ("PATCH", f"/tenants/{tenant}"),
        ("POST", "/application-developer/applications"),
        ("PATCH", f"/users/{user_id(olt_sim, 'owner@example.com')}/invites/{app}"),
        ("POST", f"/applications/{app}/installation"),
        ("POST", "/tenants"),
        ("POST", f"/application-developer/applications/{app}/custom-permissions"),
    ][target]
    response = owner.request(method, path, json=body)
    assert response.status_code < 500, response.text


def test_snapshot_and_restore_keep_accounts(olt_sim: SimHandle, owner: httpx.Client, other: OtherTenant) -> None:
    app = create_app(owner, allowedTenants=[{"tenantId": other.id}], withPublicOauth2Client=True)
    other.client.post(f"/applications/{app['id']}/installation", json={"permissions": app["permissions"]})
    invite = {"receiverEmail": "a@example.com", "roleNames": ["reader"]}
    owner.post(f"/tenants/{olt_sim.tenant_id}/invites", json=invite)
    paths = ("/application-developer/applications", "/roles", f"/tenants/{olt_sim.tenant_id}/invites")
    snapshot = olt_sim.call(olt_sim.sim.snapshot)
    before = [owner.get(p).json() for p in paths]
    owner.delete(f"/application-developer/applications/{app['id']}")
    olt_sim.call(lambda: olt_sim.sim.restore(snapshot))
    after = [owner.get(p).json() for p in paths]
    assert after == before
    assert other.client.get(f"/applications/{app['id']}/installation").status_code == 200
