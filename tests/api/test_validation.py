"""Requests are checked against the contract: clear 400/413/415 answers in OLT's shape, never a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.spec import operation, operations
from contracts.validation import OperationContract
from simulator.testing import SimHandle

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
QUERY_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)


def error_body(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) <= {"errorMessage", "errorCode", "details"} and body["errorMessage"], body
    return dict(body)


@pytest.mark.parametrize("op", [op for op in operations() if op.raw.get("parameters")], ids=lambda op: op.operation_id)
@settings(max_examples=15, deadline=None)
@given(values=st.dictionaries(st.sampled_from(["page", "pageSize", "x"]), QUERY_TEXT, max_size=3), data=st.data())
def test_parameter_parsing_never_crashes(op: Any, values: dict[str, str], data: st.DataObject) -> None:
    contract = OperationContract.build(op)
    names = [p.name for p in contract.parameters] or ["x"]
    values |= {data.draw(st.sampled_from(names)): data.draw(QUERY_TEXT)}
    query = "&".join(f"{k}={v}" for k, v in values.items())
    path_params = {p.name: data.draw(QUERY_TEXT) for p in contract.parameters if p.location == "path"}
    _, parsed, _, problems = contract.parse_parameters(path_params, query, {})
    for problem in problems:
        assert problem.path.split(".")[0] in ("path", "query", "header") and problem.message
    flagged = {problem.path.split(".")[1] for problem in problems}
    assert not flagged & set(parsed)  # a value is either accepted (typed) or reported, never both


def test_bounds_types_and_arrays_are_enforced() -> None:
    contract = OperationContract.build(operation("listDevices"))
    _, query, _, problems = contract.parse_parameters({}, "page=-1&pageSize=101", {})
    assert {p.path for p in problems} == {"query.page", "query.pageSize"}
    _, query, _, problems = contract.parse_parameters({}, "pageSize=ten", {})
    assert [p.path for p in problems] == ["query.pageSize"]
    _, query, _, problems = contract.parse_parameters({}, "", {})
    assert problems == [] and query["page"] == 0 and query["pageSize"] == 20
    ids = "123e4567-e89b-42d3-a456-426655440000,123e4567-e89b-42d3-a456-426655440001"
    _, query, _, problems = contract.parse_parameters({}, f"deviceId={ids}", {})
    assert problems == [] and query["deviceId"] == ids.split(",")
    _, query, _, problems = contract.parse_parameters({}, "deviceId=not-a-uuid", {})
    assert [p.path for p in problems] == ["query.deviceId.0"]


def test_bad_query_parameters_answer_400_with_details(olt_sim: SimHandle) -> None:
    response = olt_sim.client().get("/devices", params={"pageSize": "1000", "page": "x"})
    assert response.status_code == 400
    body = error_body(response)
    assert body["errorCode"] == "BAD_REQUEST"
    assert {d["path"] for d in body["details"]} == {"query.page", "query.pageSize"}


def test_bad_bodies_answer_400_with_details(olt_sim: SimHandle) -> None:
    response = olt_sim.client().post("/device-types", json={"name": 42})
    assert response.status_code == 400
    paths = {d["path"] for d in error_body(response)["details"]}
    assert "body.name" in paths and "body" in paths  # wrong type, and the missing 'schema'


def test_malformed_json_answers_400(olt_sim: SimHandle) -> None:
    response = olt_sim.client().post(
        "/device-types", content=b'{"name": "x",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert error_body(response)["errorCode"] == "BAD_REQUEST"
    assert "Malformed JSON" in response.json()["errorMessage"]


def test_wrong_content_type_answers_415(olt_sim: SimHandle) -> None:
    response = olt_sim.client().post("/device-types", content=b"name=x", headers={"content-type": "text/plain"})
    assert response.status_code == 415
    assert error_body(response)["errorCode"] == "UNSUPPORTED_MEDIA_TYPE"


def test_bodies_over_one_mebibyte_answer_413(olt_sim: SimHandle) -> None:
    big = json.dumps({"name": "x", "schema": {}, "description": "y" * (1024 * 1024)})
    response = olt_sim.client().post("/device-types", content=big, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert error_body(response)["errorCode"] == "PAYLOAD_TOO_LARGE"


def test_wrong_method_answers_405_and_unknown_path_404(olt_sim: SimHandle) -> None:
    client = olt_sim.client()
    assert client.put("/device-types").status_code == 405
    missing = client.get("/device-typez")
    assert missing.status_code == 404 and error_body(missing)["errorCode"] == "NOT_FOUND"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=JSON_VALUES)
def test_random_bodies_never_cause_a_server_error(olt_sim: SimHandle, body: Any) -> None:
    response = olt_sim.client().post("/device-types", json=body)
    assert response.status_code in (201, 400), response.text
    if response.status_code == 400:
        error_body(response)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=200))
def test_random_bytes_never_cause_a_server_error(olt_sim: SimHandle, raw: bytes) -> None:
    response = olt_sim.client().post("/device-types", content=raw, headers={"content-type": "application/json"})
    assert response.status_code in (201, 400), response.text
    error_body(response) if response.status_code == 400 else None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(["page", "pageSize", "deviceId", "deviceTag", "deviceName"]), QUERY_TEXT))
def test_random_query_strings_never_cause_a_server_error(olt_sim: SimHandle, params: dict[str, str]) -> None:
    response = olt_sim.client().get("/devices", params=params)
    assert response.status_code in (200, 400), response.text


def test_nan_and_infinity_are_not_json(olt_sim: SimHandle) -> None:
    for raw in (b'{"name": NaN, "schema": {}}', b'{"name": "x", "schema": {"a": Infinity}}'):
        response = olt_sim.client().post("/device-types", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 400, raw
        assert "not valid JSON" in response.json()["errorMessage"]


def test_empty_items_of_comma_separated_arrays_are_kept_as_openapi_says() -> None:
    device = "123e4567-e89b-42d3-a456-426655440000"
    contract = OperationContract.build(operation("listDeviceLastEvents"))
    _, query, _, problems = contract.parse_parameters({"deviceId": device}, "eventTypes=", {})
    assert problems == [] and query["eventTypes"] == [""]  # one empty item, not an empty array
    _, query, _, problems = contract.parse_parameters({"deviceId": device}, "eventTypes=a,,b", {})
    assert problems == [] and query["eventTypes"] == ["a", "", "b"]
    devices = OperationContract.build(operation("listDevices"))
    _, _, _, problems = devices.parse_parameters({}, "deviceId=123e4567-e89b-42d3-a456-426655440000,", {})
    assert [p.path for p in problems] == ["query.deviceId.1"]  # the empty item is not a uuid
