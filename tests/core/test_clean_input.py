"""Clean input at the boundary: arbitrary JSON (escapes, lone surrogates, control characters, deep
nesting, huge numbers) through every create/update body and the MQTT uplink never answers 5xx and
never stores what a later read could not send back."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import spec
from simulator.core.clean_input import MAX_JSON_DEPTH, input_problem
from simulator.mqtt.auth import DeviceIdentity
from simulator.mqtt.bridge import Bridge
from simulator.testing import SimHandle

WRITES = sorted(
    (
        op
        for op in spec.operations()
        if op.method in ("POST", "PUT", "PATCH") and "application/json" in str(op.raw.get("requestBody", {}))
    ),
    key=lambda op: op.operation_id,
)
SCHEMA = {"attributes": {"label": {"type": "string"}, "blob": {}}}
CONTROL = "".join(map(chr, [*range(0x20), 0x7F]))
nasty_text = st.one_of(
    st.text(max_size=8),
    st.text(alphabet=CONTROL + "ab", min_size=1, max_size=4),  # C0 controls and DEL, names and values
    st.sampled_from(["\ud800", "a\udfffb", "\x00", "x\x1by", "\x7f", "ok\tline\n", "é😀"]),
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False)
    | nasty_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(nasty_text, inner, max_size=3),
    max_leaves=12,
)


def deep(levels: int) -> Any:
    value: Any = "bottom"
    for _ in range(levels):
        value = {"x": [value]}
    return value


bodies = st.one_of(json_values, st.integers(MAX_JSON_DEPTH - 2, MAX_JSON_DEPTH * 3).map(deep))


def as_json(value: Any) -> bytes:
    """ASCII JSON: lone surrogates and control characters travel as \\u escapes, as an attacker sends them."""
    return json.dumps(value, ensure_ascii=True).encode()


def fill(path: str, ids: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: ids.get(m.group(1), "00000000-0000-4000-8000-000000000000"), path)


LISTS = sorted(op.path for op in spec.operations() if op.method == "GET" and "{" not in op.path)


def reads_still_answer(olt_sim: SimHandle, device_id: str) -> None:
    """Every list of the contract, the device's state and diagnostics, and the snapshot still answer."""
    client, control = olt_sim.client(check_contract=False), olt_sim.control()
    for path in LISTS:
        response = client.get(path)
        assert response.status_code < 500, (path, response.text)
        json.loads(response.content)
    for path in ("/devices", "/device-types", f"/devices/{device_id}/state", f"/devices/{device_id}/last-diagnostics"):
        assert client.get(path).status_code == 200, path
    snapshot = control.get("/_sim/snapshot")
    assert snapshot.status_code == 200
    json.loads(snapshot.content)


@settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_no_body_answers_5xx_or_poisons_a_read(olt_sim: SimHandle, data: st.DataObject) -> None:
    olt_sim.reset()
    client = olt_sim.client(check_contract=False)
    type_id = client.post("/device-types", json={"name": "T", "schema": SCHEMA}).json()["data"]["id"]
    device_id = client.post("/devices", json={"info": {"name": "d", "deviceTypeId": type_id}}).json()["data"]["id"]
    ids = {
        "deviceTypeId": type_id,
        "deviceId": device_id,
        "tenantId": olt_sim.tenant_id,
        "userId": olt_sim.world.owner_user_id,
    }
    for _ in range(4):
        op = data.draw(st.sampled_from(WRITES))
        body = data.draw(bodies)
        shaped = data.draw(st.booleans())
        if shaped and op.operation_id in ("createDevice", "updateDevice"):
            body = {
                "info": {
                    "name": body if isinstance(body, str) else "n",
                    "deviceTypeId": type_id,
                    "tags": [body] if isinstance(body, str) else [],
                    "description": body,
                }
            }
        elif shaped:
            body = {
                "senderId": device_id,
                "deviceId": device_id,
                "type": "attributes",
                "value": {"label": body, "blob": body},
            }
            op = spec.operation("ingestData") if any(o.operation_id == "ingestData" for o in WRITES) else op
        response = client.request(
            op.method, fill(op.path, ids), content=as_json(body), headers={"content-type": "application/json"}
        )
        assert response.status_code < 500, (op.operation_id, body, response.text)
        if input_problem(body) is not None and response.status_code < 300:
            raise AssertionError(f"{op.operation_id} stored {body!r}")
    reads_still_answer(olt_sim, device_id)


NASTY = (
    {"a\x01b": "x"},
    {"name": "a\x00b", "description": "bell\x07"},
    {"info": {"name": "\x1b", "tags": ["\x7f"], "description": "\ud800"}},
    ["\x07", {"\x1f": None}],
    "\x00",
    deep(MAX_JSON_DEPTH + 1),
    10**400,
)


@pytest.mark.parametrize("op", WRITES, ids=lambda op: op.operation_id)
def test_every_write_takes_nasty_bodies_without_5xx(olt_sim: SimHandle, op: spec.Operation) -> None:
    """The hypothesis test above samples operations; this one sends each write the same nasty bodies."""
    olt_sim.reset()
    client = olt_sim.client(check_contract=False)
    type_id = client.post("/device-types", json={"name": "T", "schema": SCHEMA}).json()["data"]["id"]
    device_id = client.post("/devices", json={"info": {"name": "d", "deviceTypeId": type_id}}).json()["data"]["id"]
    ids = {"deviceTypeId": type_id, "deviceId": device_id, "tenantId": olt_sim.tenant_id}
    for body in NASTY:
        content = json.dumps(body, ensure_ascii=True).encode() if not isinstance(body, int) else str(body).encode()
        response = client.request(
            op.method, fill(op.path, ids), content=content, headers={"content-type": "application/json"}
        )
        assert response.status_code < 500, (op.operation_id, body, response.text)
        if input_problem(body) is not None:  # unknown names are ignored (2xx); unclean text never is
            assert response.status_code == 400, (op.operation_id, body, response.status_code)
    reads_still_answer(olt_sim, device_id)


def test_the_writes_are_every_json_create_and_update_of_the_contract() -> None:
    json_writes = {
        op.operation_id
        for op in spec.operations()
        if op.method in ("POST", "PUT", "PATCH")
        and "application/json" in op.raw.get("requestBody", {}).get("content", {})
    }
    assert {op.operation_id for op in WRITES} == json_writes
    assert len(json_writes) > 40


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(value=bodies, wrapped=st.booleans(), topic=st.sampled_from(["data-ingest", "event-ingest"]), name=nasty_text)
def test_no_mqtt_payload_poisons_a_read(olt_sim: SimHandle, value: Any, wrapped: bool, topic: str, name: str) -> None:
    olt_sim.reset()
    client = olt_sim.client(check_contract=False)
    type_id = client.post("/device-types", json={"name": "T", "schema": SCHEMA}).json()["data"]["id"]
    device_id = client.post("/devices", json={"info": {"name": "d", "deviceTypeId": type_id}}).json()["data"]["id"]
    identity = DeviceIdentity(olt_sim.tenant_id, device_id, None)
    kind = "attributes" if topic == "data-ingest" else "ping"
    payload = {"type": kind, "value": {"label": value, "blob": value, name: value}} if wrapped else value
    outcome = olt_sim.call(lambda: Bridge(olt_sim.sim)._ingest(identity, topic, as_json(payload)))
    assert outcome != "error"
    diagnostics = client.get(f"/devices/{device_id}/last-diagnostics").json()["data"]
    if input_problem(value) is not None:
        assert outcome != "accepted"
        assert diagnostics and diagnostics[0]["code"] == "INVALID_JSON"
    elif wrapped and re.search("[\x00-\x1f\x7f]", name):  # an attribute name with a control character
        assert outcome != "accepted"
        assert diagnostics and diagnostics[0]["code"] == "SCHEMA_VALIDATION_FAILED", diagnostics
        assert diagnostics[0]["payload"]
    reads_still_answer(olt_sim, device_id)


def test_a_response_never_fails_to_encode() -> None:
    from simulator.api.responses import json_response

    response = json_response({"name": "a\ud800b", "ok": "é"})
    assert json.loads(bytes(response.body)) == {"name": "a\ud800b", "ok": "é"}
