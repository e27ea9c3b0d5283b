"""The /_sim control API: reset, snapshot, clock, tokens, journal; plus CORS and the served contract."""

from __future__ import annotations

import jwt
import yaml

from simulator.testing import SimHandle


def test_reset_restores_the_seeded_world(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    world = control.get("/_sim/world").json()["world"]
    olt_sim.call(lambda: olt_sim.sim.tenants.create_tenant("Extra"))
    assert len(olt_sim.sim.state.tenants.tenants) == 2
    reset = control.post("/_sim/reset", json={})
    assert reset.status_code == 200
    assert reset.json()["world"] == world
    assert len(olt_sim.sim.state.tenants.tenants) == 1


def test_snapshot_round_trip_over_http(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    extra = olt_sim.call(lambda: olt_sim.sim.tenants.create_tenant("Kept"))
    snapshot = control.get("/_sim/snapshot").json()
    control.post("/_sim/reset", json={})
    assert extra.id not in olt_sim.sim.state.tenants.tenants
    assert control.put("/_sim/snapshot", json=snapshot).status_code == 204
    assert olt_sim.sim.state.tenants.tenants[extra.id].name == "Kept"


def test_snapshot_refuses_garbage(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    for body in (b"{", b"[]", b'{"version": 1}', b'{"version": 7}'):
        response = control.put("/_sim/snapshot", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 400, body
        assert response.json()["errorCode"] == "BAD_REQUEST"


def test_clock_reads_and_advances(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    before = control.get("/_sim/clock").json()
    assert before["mode"] == "manual"
    after = control.post("/_sim/clock/advance", json={"seconds": 3600}).json()
    assert after["now"] == "2026-01-01T01:00:00.000Z" and before["now"] == "2026-01-01T00:00:00.000Z"
    for bad in ({"seconds": -1}, {"seconds": "ten"}, {}, {"seconds": True}):
        assert control.post("/_sim/clock/advance", json=bad).status_code == 400


def test_tokens_for_users_and_clients(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    world = olt_sim.world
    user_token = control.post("/_sim/tokens", json={"user": "reader@example.com"}).json()["access_token"]
    claims = jwt.decode(user_token, options={"verify_signature": False})
    assert claims["sub"] == world.users["reader@example.com"] and claims["tenant"] == world.tenant_id
    client_token = control.post(
        "/_sim/tokens", json={"clientId": world.script_client_id, "tenant": world.tenant_id}
    ).json()["access_token"]
    assert jwt.decode(client_token, options={"verify_signature": False})["azp"] == world.script_client_id
    assert control.post("/_sim/tokens", json={"user": "nobody@example.com"}).status_code == 404
    assert control.post("/_sim/tokens", json={}).status_code == 400


def test_request_journal_records_violations(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    control.delete("/_sim/requests")
    client = olt_sim.client(check_contract=False)
    client.get("/no-such-thing")
    client.post("/device-types", content=b"not json", headers={"content-type": "text/plain"})
    entries = control.get("/_sim/requests", params={"violations": "true"}).json()["data"]
    assert [e["path"] for e in entries] == ["/v1/no-such-thing", "/v1/device-types"]
    assert all(e["violations"] for e in entries)


def test_the_contract_is_served(olt_sim: SimHandle) -> None:
    response = olt_sim.control().get("/v1/api-collection/openapi.yaml")
    assert response.status_code == 200
    assert yaml.safe_load(response.text)["openapi"].startswith("3.1")


def test_cors_allows_localhost_origins_only(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    allowed = control.options("/v1/devices", headers={"Origin": "http://localhost:5173", **preflight})
    assert allowed.headers.get("access-control-allow-origin") == "http://localhost:5173"
    refused = control.options("/v1/devices", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in refused.headers


def test_unknown_routes_answer_404_in_olt_shape(olt_sim: SimHandle) -> None:
    response = olt_sim.control().get("/nothing/here")
    assert response.status_code == 404
    assert response.json()["errorCode"] == "NOT_FOUND"


def test_every_405_names_the_allowed_methods(olt_sim: SimHandle) -> None:
    api = olt_sim.client()
    cases = {("PUT", "/devices"): "GET, POST", ("POST", "/devices/state"): "GET", ("PATCH", "/permissions"): "GET"}
    for (method, path), allowed in cases.items():
        response = api.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["Allow"] == allowed, (method, path)
