"""HTTP faults seen by a real httpx client: the fault exactly, and a world that stays consistent."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from simulator.testing import SimHandle

SERVERS = ["olt_sim", "olt_sim_server"]  # in-process (httpx ASGITransport) and over loopback sockets
DEVICE_TYPE = {"name": "Lamp", "schema": {"attributes": {"temperature": {"type": "number"}}}}


def add_fault(sim: SimHandle, rule: dict[str, Any]) -> dict[str, Any]:
    response = sim.control().post("/_sim/faults", json=rule)
    assert response.status_code == 201, response.text
    return dict(response.json())


def rule_counters(sim: SimHandle, rule_id: str) -> dict[str, Any]:
    rules = sim.control().get("/_sim/faults").json()["data"]
    return next(r for r in rules if r["id"] == rule_id)


@pytest.mark.parametrize("fixture", SERVERS)
def test_status_503_answers_an_olt_error_with_retry_after_and_changes_nothing(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    olt_sim: SimHandle = request.getfixturevalue(fixture)
    api = olt_sim.client()
    rule = add_fault(olt_sim, {"match": {"operationId": "createDeviceType"}, "effect": {"status": 503}, "count": 1})
    refused = api.post("/device-types", json=DEVICE_TYPE)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["X-Olt-Sim-Fault"] == rule["id"]
    assert refused.json()["errorCode"] == "SERVICE_UNAVAILABLE" and rule["id"] in refused.json()["errorMessage"]
    assert api.get("/device-types").json()["data"] == []  # a 503 changed nothing
    retried = api.post("/device-types", json=DEVICE_TYPE)  # count 1: the retry goes through
    assert retried.status_code == 201
    assert [t["id"] for t in api.get("/device-types").json()["data"]] == [retried.json()["data"]["id"]]
    counters = rule_counters(olt_sim, rule["id"])
    assert (counters["hits"], counters["matched"], counters["active"]) == (1, 1, False)


def test_the_request_journal_marks_the_fault(olt_sim: SimHandle) -> None:
    rule = add_fault(olt_sim, {"match": {"method": "GET", "path": "/v1/device-types*"}, "effect": {"status": 500}})
    assert olt_sim.client().get("/device-types").status_code == 500
    assert olt_sim.client().post("/device-types", json=DEVICE_TYPE).status_code == 201
    journal = olt_sim.control().get("/_sim/requests").json()["data"]
    assert [(e["method"], e["status"], e.get("fault")) for e in journal] == [
        ("GET", 500, {"rule": rule["id"], "effect": "status"}),
        ("POST", 201, None),
    ]


def test_status_429_with_a_custom_retry_after_and_message(olt_sim: SimHandle) -> None:
    add_fault(
        olt_sim,
        {
            "match": {"operationId": "listDeviceTypes"},
            "effect": {"status": 429, "retryAfter": 30, "message": "slow down"},
        },
    )
    response = olt_sim.client().get("/device-types")
    assert response.status_code == 429 and response.headers["Retry-After"] == "30"
    assert response.json() == {"errorMessage": "slow down", "errorCode": "TOO_MANY_REQUESTS"}


@pytest.mark.parametrize("fixture", SERVERS)
def test_rate_limit_lets_n_per_window_through_then_429_until_the_window_ends(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    olt_sim: SimHandle = request.getfixturevalue(fixture)
    rule = add_fault(olt_sim, {"match": {"path": "/v1/device-types"}, "effect": {"rateLimit": 2, "window": "1m"}})
    api = olt_sim.client()
    olt_sim.advance(20)
    statuses = [api.get("/device-types") for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 200, 429, 429]
    assert statuses[2].headers["Retry-After"] == "40"  # simulated seconds until the next window
    olt_sim.advance(40)
    assert api.get("/device-types").status_code == 200
    counters = rule_counters(olt_sim, rule["id"])
    assert (counters["hits"], counters["matched"]) == (2, 5)


@pytest.mark.parametrize("fixture", SERVERS)
def test_truncate_cuts_the_body_after_the_operation_ran(request: pytest.FixtureRequest, fixture: str) -> None:
    olt_sim: SimHandle = request.getfixturevalue(fixture)
    add_fault(olt_sim, {"match": {"operationId": "createDeviceType"}, "effect": {"truncate": 10}, "count": 1})
    api = olt_sim.client()
    response = api.post("/device-types", json=DEVICE_TYPE)
    assert response.status_code == 201 and len(response.content) == 10
    with pytest.raises(ValueError):
        response.json()
    assert len(api.get("/device-types").json()["data"]) == 1  # the answer was lost, not the change


def test_match_by_tenant_user_and_client(olt_sim: SimHandle) -> None:
    add_fault(olt_sim, {"match": {"user": "reader@example.com"}, "effect": {"status": 502}})
    assert olt_sim.client("reader@example.com").get("/device-types").status_code == 502
    assert olt_sim.client().get("/device-types").status_code == 200
    olt_sim.control().delete("/_sim/faults")
    add_fault(olt_sim, {"match": {"tenant": "no-such-tenant"}, "effect": {"status": 502}})
    assert olt_sim.client().get("/device-types").status_code == 200
    add_fault(
        olt_sim,
        {"match": {"tenant": olt_sim.tenant_id, "client": olt_sim.world.browser_client_id}, "effect": {"status": 504}},
    )
    assert olt_sim.client().get("/device-types").status_code == 504


def test_probability_and_schedule_on_the_simulated_clock(olt_sim: SimHandle) -> None:
    rule = add_fault(
        olt_sim, {"match": {"path": "/v1/device-types"}, "effect": {"status": 503}, "after": "10m", "for": "5m"}
    )
    api = olt_sim.client()
    assert api.get("/device-types").status_code == 200
    olt_sim.advance(600)
    assert api.get("/device-types").status_code == 503
    olt_sim.advance(300)
    assert api.get("/device-types").status_code == 200
    assert rule_counters(olt_sim, rule["id"])["hits"] == 1


def test_the_context_manager_adds_and_removes_a_rule(olt_sim: SimHandle) -> None:
    api = olt_sim.client()
    with olt_sim.fault(match={"operationId": "listDeviceTypes"}, effect={"status": 503}, count=2) as rule:
        assert [api.get("/device-types").status_code for _ in range(3)] == [503, 503, 200]
        assert olt_sim.faults()[0]["id"] == rule["id"] and olt_sim.faults()[0]["hits"] == 2
    assert olt_sim.faults() == []


def test_reset_in_process_raises_what_httpx_raises_for_a_dropped_connection(olt_sim: SimHandle) -> None:
    add_fault(olt_sim, {"match": {"operationId": "createDeviceType"}, "effect": {"reset": True}, "count": 1})
    api = olt_sim.client()
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/device-types", json=DEVICE_TYPE)
    assert api.get("/device-types").json()["data"] == []


@pytest.mark.parametrize(("when", "stored"), [("before", 0), ("after", 1)])
def test_reset_closes_a_real_connection_without_an_answer(olt_sim_server: SimHandle, when: str, stored: int) -> None:
    sim = olt_sim_server
    rule = add_fault(sim, {"match": {"operationId": "createDeviceType"}, "effect": {"reset": when}, "count": 1})
    api = sim.client()
    with pytest.raises(httpx.TransportError):
        api.post("/device-types", json=DEVICE_TYPE)
    assert len(api.get("/device-types").json()["data"]) == stored
    entry = sim.control().get("/_sim/requests").json()["data"][0]
    assert entry["fault"] == {"rule": rule["id"], "effect": "reset"}
    assert entry["status"] == (201 if when == "after" else 0)


def test_delay_in_real_time_holds_the_answer(olt_sim_server: SimHandle) -> None:
    add_fault(olt_sim_server, {"match": {"operationId": "listDeviceTypes"}, "effect": {"delay": 0.4, "clock": "real"}})
    started = time.monotonic()
    assert olt_sim_server.client().get("/device-types").status_code == 200
    assert time.monotonic() - started >= 0.4


def test_delay_in_simulated_time_waits_for_the_clock(olt_sim_server: SimHandle) -> None:
    add_fault(olt_sim_server, {"match": {"operationId": "listDeviceTypes"}, "effect": {"delay": "30s"}})
    api = olt_sim_server.client()
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(api.get, "/device-types")
        time.sleep(0.3)
        assert not pending.done()  # the manual clock has not moved
        olt_sim_server.advance(30)
        assert pending.result(timeout=10).status_code == 200


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        ([], "(rule)"),
        ({"effect": {"status": 503}, "when": 1}, "when"),
        ({"match": {"operationId": "listDeviceTypes"}}, "effect"),
        ({"match": {"operationId": "listDeviceTypes"}, "effect": {"status": 200}}, "effect.status"),
        ({"match": {"operationId": "listDeviceTypes"}, "effect": {"status": 503, "clock": "real"}}, "effect.clock"),
        ({"match": {"operationId": "listDeviceTypes"}, "effect": {"drop": True}}, "effect"),
        ({"match": {"operationId": 3}, "effect": {"status": 503}}, "match.operationId"),
        ({"match": {"operationId": "getDeviceTypes"}, "effect": {"status": 503}}, "match.operationId"),
        ({"match": {"path": "/v1/*"}, "effect": {"status": 503}, "count": 0}, "count"),
        ({"match": {"path": "/v1/*"}, "effect": {"status": 503}, "probability": 2}, "probability"),
        ({"match": {"path": "/v1/*"}, "effect": {"status": 503}, "after": "soon"}, "after"),
        ({"match": {"path": "/v1/*"}, "effect": {"status": 503}, "for": -1}, "for"),
        ({"match": {"path": "/v1/*"}, "effect": {"rateLimit": 3}}, "effect.window"),
        ({"match": {"path": "/v1/*"}, "effect": {"reset": "sometimes"}}, "effect.reset"),
        ({"match": {}, "effect": {"delay": "1s"}}, "match.protocol"),
        ({"match": {"protocol": "ftp"}, "effect": {"drop": True}}, "match.protocol"),
        ({"match": {"direction": "sideways"}, "effect": {"drop": True}}, "match.direction"),
        ({"match": {"topic": "a/#"}, "effect": {"outage": True}}, "match.topic"),
        ({"match": {"device": "d"}, "effect": {"outage": True}, "count": 2}, "count"),
        ({"match": {"device": "d"}, "effect": {"refuseConnect": 9}}, "effect.refuseConnect"),
        ({"match": {"protocol": "stream"}, "effect": {"gap": 0}}, "effect.gap"),
        ({"match": {"protocol": "stream"}, "effect": {"drop": True, "code": 99}}, "effect.code"),
    ],
)
def test_an_invalid_rule_is_refused_naming_the_field(olt_sim: SimHandle, rule: Any, field: str) -> None:
    response = olt_sim.control().post("/_sim/faults", json=rule)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["errorCode"] == "BAD_REQUEST" and body["details"][0]["path"] == field
    assert field in body["errorMessage"]
    assert olt_sim.control().get("/_sim/faults").json()["data"] == []


def test_malformed_json_and_unknown_ids_are_clear_4xx(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    response = control.post("/_sim/faults", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["errorCode"] == "BAD_REQUEST"
    assert control.delete("/_sim/faults/nope").status_code == 404


def test_list_delete_one_and_delete_all(olt_sim: SimHandle) -> None:
    control = olt_sim.control()
    first = add_fault(
        olt_sim,
        {
            "match": {"operationId": "listDeviceTypes"},
            "effect": {"status": 503},
            "count": 3,
            "probability": 0.5,
            "after": "1m",
            "for": "2m",
        },
    )
    second = add_fault(olt_sim, {"match": {"direction": "uplink"}, "effect": {"drop": True}})
    listed = control.get("/_sim/faults").json()["data"]
    assert [r["id"] for r in listed] == [first["id"], second["id"]]
    assert {k: listed[0][k] for k in ("match", "effect", "count", "probability", "after", "for", "hits")} == {
        "match": {"operationId": "listDeviceTypes", "protocol": "http"},
        "effect": {"status": 503},
        "count": 3,
        "probability": 0.5,
        "after": "1m",
        "for": "2m",
        "hits": 0,
    }
    assert listed[1]["match"]["protocol"] == "mqtt"
    assert control.delete(f"/_sim/faults/{first['id']}").status_code == 204
    assert [r["id"] for r in control.get("/_sim/faults").json()["data"]] == [second["id"]]
    assert control.delete("/_sim/faults").status_code == 204
    assert control.get("/_sim/faults").json() == {"data": []}


def test_reset_of_the_world_removes_the_rules(olt_sim: SimHandle) -> None:
    add_fault(olt_sim, {"match": {"path": "/v1/*"}, "effect": {"status": 503}})
    olt_sim.control().post("/_sim/reset", json={})
    assert olt_sim.control().get("/_sim/faults").json()["data"] == []
    assert olt_sim.client().get("/device-types").status_code == 200


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, "BAD_REQUEST"),
        (401, "UNAUTHORIZED"),
        (404, "NOT_FOUND"),
        (409, "CONFLICT"),
        (499, "ERROR"),
        (500, "INTERNAL_SERVER_ERROR"),
        (502, "BAD_GATEWAY"),
        (504, "GATEWAY_TIMEOUT"),
    ],
)
def test_every_status_gets_an_olt_error_body(olt_sim: SimHandle, status: int, code: str) -> None:
    add_fault(olt_sim, {"match": {"operationId": "listDeviceTypes"}, "effect": {"status": status}})
    response = olt_sim.client().get("/device-types")
    assert response.status_code == status and response.json()["errorCode"] == code
    assert ("WWW-Authenticate" in response.headers) == (status == 401)
    assert "Retry-After" not in response.headers


def test_a_request_delayed_on_a_manual_clock_is_released_by_a_reset(olt_sim_server: SimHandle) -> None:
    add_fault(olt_sim_server, {"match": {"operationId": "listDeviceTypes"}, "effect": {"delay": "1h"}})
    api = olt_sim_server.client()
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(api.get, "/device-types")
        time.sleep(0.3)
        assert not pending.done()
        olt_sim_server.reset()
        assert pending.result(timeout=10).status_code == 200
