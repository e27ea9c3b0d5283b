"""Device types: CRUD, schema and reporting-rule checks, PATCH semantics, categories, monitoring."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from simulator.testing import SimHandle

MakeType = Callable[..., dict[str, Any]]


def test_create_returns_the_full_type_and_get_reads_it_back(api: httpx.Client, make_type: MakeType) -> None:
    made = make_type(
        manufacturer="OSRAM",
        model="C3PO",
        categories=["urn:oma:lwm2m:ext:3001"],
        reportingRules=[{"path": "$.attributes.temperature", "reportTo": ["timeseries"]}],
        slots={"firmware": {"name": "Main"}},
        communicationInterval=600,
    )
    assert made["manufacturer"] == "OSRAM" and made["slots"] == {"firmware": {"name": "Main"}}
    assert made["communicationInterval"] == 600
    assert api.get(f"/device-types/{made['id']}").json()["data"] == made


def test_minimal_type_has_null_optionals_and_default_report_target(api: httpx.Client) -> None:
    body = {
        "name": "Pi",
        "schema": {"configuration": {"ipaddress": {"type": "string"}}},
        "reportingRules": [{"path": "$.configuration.ipaddress"}],
    }
    data = api.post("/device-types", json=body).json()["data"]
    assert data["manufacturer"] is None and data["categories"] is None and data["communicationInterval"] is None
    assert data["reportingRules"] == [{"path": "$.configuration.ipaddress", "reportTo": ["deviceManagement"]}]


@pytest.mark.parametrize("section", ["attributes", "configuration", "events", "actions"])
def test_an_invalid_property_schema_is_a_400_naming_section_and_property(api: httpx.Client, section: str) -> None:
    response = api.post("/device-types", json={"name": "Bad", "schema": {section: {"broken": {"type": "nonsense"}}}})
    assert response.status_code == 400
    body = response.json()
    assert section in body["errorMessage"] and "broken" in body["errorMessage"]
    assert body["details"][0]["path"] == f"body.schema.{section}.broken"


def test_an_invalid_section_switch_is_a_400(api: httpx.Client) -> None:
    response = api.post(
        "/device-types", json={"name": "Bad", "schema": {"events": {"additionalProperties": {"minimum": "x"}}}}
    )
    assert response.status_code == 400
    assert "events" in response.json()["errorMessage"] and "additionalProperties" in response.json()["errorMessage"]


def test_references_outside_the_schema_are_refused(api: httpx.Client) -> None:
    remote = {"name": "T", "schema": {"actions": {"go": {"properties": {"x": {"$ref": "https://example.com/s.json"}}}}}}
    response = api.post("/device-types", json=remote)
    assert response.status_code == 400 and "outside the schema" in response.json()["errorMessage"]
    assert response.json()["details"][0]["path"] == "body.schema.actions.go"


def test_a_reference_that_does_not_resolve_is_a_problem_not_a_crash(api: httpx.Client, make_type: MakeType) -> None:
    made = make_type(schema={"configuration": {"x": {"$ref": "#/$defs/missing"}}})
    body = {"info": {"name": "d", "deviceTypeId": made["id"]}, "configuration": {"x": 1}}
    response = api.post("/devices", json=body)
    assert response.status_code == 400 and "cannot be applied" in response.json()["details"][0]["message"]


def test_non_standard_keywords_and_the_section_switch_are_tolerated(olt_sim: SimHandle, api: httpx.Client) -> None:
    schema = {
        "attributes": {
            "additionalProperties": False,
            "score": {"type": "number", "min": 0, "max": 10, "format": "integer"},
            "seen": {"type": "string", "format": "date-time", "property": "urn:x"},
        },
        "actions": {"additionalProperties": False},
        "event": {"goal": {}},
    }
    data = api.post("/device-types", json={"name": "Kicker", "schema": schema}).json()["data"]
    assert data["schema"]["events"] == {"goal": {}}  # the draft spelling `event` is accepted
    dtype = olt_sim.call(lambda: olt_sim.sim.device_types.get_device_type(olt_sim.tenant_id, data["id"]))
    assert dtype.section_problems("attributes", {"score": 3}) == []
    assert [p["path"] for p in dtype.section_problems("attributes", {"score": "x", "other": 1})] == [
        "value",
        "value.score",
    ]
    assert dtype.section_problems("attributes", {"seen": "yesterday"})[0]["path"] == "value.seen"
    assert dtype.event_problems("goal", {"anything": [1]}) == []
    assert (
        dtype.event_problems("foul", {})[0]["message"]
        == "event type 'foul' is not declared in the device type's schema"
    )
    assert dtype.action_problems("kick", {})[0]["path"] == "payload"


def test_undeclared_attributes_are_allowed_unless_switched_off(olt_sim: SimHandle, make_type: MakeType) -> None:
    made = make_type()
    dtype = olt_sim.call(lambda: olt_sim.sim.device_types.get_device_type(olt_sim.tenant_id, made["id"]))
    assert dtype.section_problems("attributes", {"humidity": 50}) == []
    assert dtype.section_problems("configuration", {"brightness": 101})[0]["path"] == "value.brightness"
    assert dtype.action_problems("blink", {"times": 0}, "body.payload")[0]["path"] == "body.payload.times"


@pytest.mark.parametrize(
    ("rules", "fragment"),
    [
        ([{"path": "$.attributes[", "reportTo": ["timeseries"]}], "reportingRules.0.path"),
        ([{"path": "$.a"}, {"path": "$$..]", "reportTo": ["timeseries"]}], "reportingRules.1.path"),
        ([{"path": "$.a", "reportTo": ["somewhere"]}], "reportingRules.0.reportTo"),
    ],
)
def test_bad_reporting_rules_are_a_400(api: httpx.Client, rules: list[dict[str, Any]], fragment: str) -> None:
    response = api.post("/device-types", json={"name": "T", "schema": {}, "reportingRules": rules})
    assert response.status_code == 400
    assert fragment in response.json()["details"][0]["path"]


def test_timeseries_rules_are_compiled_jsonpath(olt_sim: SimHandle, make_type: MakeType) -> None:
    rules = [
        {"path": "$.attributes.sensor[0].value", "reportTo": ["timeseries"]},
        {"path": "$.configuration.brightness", "reportTo": ["deviceManagement"]},
    ]
    made = make_type(reportingRules=rules)
    dtype = olt_sim.call(lambda: olt_sim.sim.device_types.get_device_type(olt_sim.tenant_id, made["id"]))
    (rule,) = dtype.timeseries_rules()
    assert rule.path == "$.attributes.sensor[0].value"
    assert [m.value for m in rule.expression.find({"attributes": {"sensor": [{"value": 7}]}})] == [7]


def test_patch_changes_only_given_fields_and_null_deletes(
    api: httpx.Client, make_type: MakeType, olt_sim: SimHandle
) -> None:
    made = make_type(
        manufacturer="OSRAM", model="C3PO", categories=["urn:a:b"], slots={"firmware": {"name": "F"}, "boot": {}}
    )
    olt_sim.advance(10)
    patch = {
        "model": None,
        "description": "v2",
        "categories": None,
        "schema": {"attributes": {"humidity": {"type": "number"}, "temperature": None}, "actions": None},
        "slots": {"boot": None},
    }
    data = api.patch(f"/device-types/{made['id']}", json=patch).json()["data"]
    assert (data["manufacturer"], data["model"], data["description"], data["categories"]) == ("OSRAM", None, "v2", None)
    assert data["schema"]["attributes"] == {"humidity": {"type": "number"}}
    assert "actions" not in data["schema"] and data["schema"]["configuration"] == made["schema"]["configuration"]
    assert data["slots"] == {"firmware": {"name": "F"}}
    assert data["name"] == made["name"] and data["id"] == made["id"] and data["createdAt"] == made["createdAt"]
    assert data["updatedAt"] > made["updatedAt"]


def test_patch_recompiles_the_validators(
    api: httpx.Client, make_type: MakeType, make_device: Callable[..., Any]
) -> None:
    made = make_type()
    assert make_device(type_id=made["id"], configuration={"brightness": 90})
    patch = {"schema": {"configuration": {"brightness": {"type": "number", "maximum": 50}}}}
    assert api.patch(f"/device-types/{made['id']}", json=patch).status_code == 200
    body = {"info": {"name": "d", "deviceTypeId": made["id"]}, "configuration": {"brightness": 90}}
    assert api.post("/devices", json=body).status_code == 400


def test_patch_with_an_invalid_schema_changes_nothing(api: httpx.Client, make_type: MakeType) -> None:
    made = make_type()
    bad = {"description": "x", "schema": {"configuration": {"brightness": {"minimum": "low"}}}}
    response = api.patch(f"/device-types/{made['id']}", json=bad)
    assert response.status_code == 400 and "configuration" in response.json()["errorMessage"]
    bad_rules = {"description": "x", "reportingRules": [{"path": "$[", "reportTo": ["timeseries"]}]}
    assert api.patch(f"/device-types/{made['id']}", json=bad_rules).status_code == 400
    assert api.get(f"/device-types/{made['id']}").json()["data"] == made


def test_list_is_newest_first_with_filters_from_query_or_body(api: httpx.Client, make_type: MakeType) -> None:
    a = make_type(name="Living Lamp", categories=["urn:x:lamp"])
    b = make_type(name="Bath Sensor", categories=["urn:x:sensor"])
    c = make_type(name="living sensor", categories=["urn:x:sensor", "urn:x:lamp"])

    def ids(response: httpx.Response) -> list[str]:
        assert response.status_code == 200, response.text
        return [t["id"] for t in response.json()["data"]]

    assert ids(api.get("/device-types")) == [c["id"], b["id"], a["id"]]
    assert ids(api.get("/device-types", params={"deviceTypeName": "LIVING*"})) == [c["id"], a["id"]]
    assert ids(api.get("/device-types", params={"deviceTypeCategory": "urn:x:lamp", "deviceTypeName": "*sensor"})) == [
        c["id"]
    ]
    assert ids(api.request("GET", "/device-types", json={"deviceTypeId": [a["id"], b["id"]]})) == [b["id"], a["id"]]
    both = api.request("GET", "/device-types", params={"deviceTypeName": "x"}, json={"deviceTypeId": [a["id"]]})
    assert both.status_code == 400
    page = api.get("/device-types", params={"page": 1, "pageSize": 2}).json()
    assert [t["id"] for t in page["data"]] == [a["id"]]
    assert page["meta"] == {"page": 1, "pageSize": 2, "itemsTotal": 3, "pagesTotal": 2}


def test_categories_lists_the_distinct_categories(api: httpx.Client, make_type: MakeType) -> None:
    assert api.get("/device-types/categories").json() == {"data": []}
    make_type(categories=["urn:b", "urn:a"])
    make_type(categories=["urn:a"])
    make_type()
    assert api.get("/device-types/categories").json() == {"data": ["urn:a", "urn:b"]}


def test_delete_is_refused_while_devices_use_the_type(
    api: httpx.Client, make_type: MakeType, make_device: Callable[..., Any]
) -> None:
    made = make_type()
    device = make_device(type_id=made["id"])
    response = api.delete(f"/device-types/{made['id']}")
    assert response.status_code == 409 and response.json()["errorCode"] == "DEVICE_TYPE_IN_USE"
    assert api.delete(f"/devices/{device['id']}").status_code == 204
    assert api.delete(f"/device-types/{made['id']}").status_code == 204
    assert api.get(f"/device-types/{made['id']}").status_code == 404
    assert api.delete(f"/device-types/{made['id']}").status_code == 404


def test_type_online_monitoring(api: httpx.Client, make_type: MakeType) -> None:
    made = make_type(communicationInterval=300)
    url = f"/device-types/{made['id']}/onlinemonitoring"
    assert api.get(url).json() == {"data": {"communicationInterval": 300}}
    assert api.patch(url, json={"communicationInterval": None}).json() == {"data": {"communicationInterval": None}}
    assert api.get(f"/device-types/{made['id']}").json()["data"]["communicationInterval"] is None
    assert api.patch(url, json={"communicationInterval": 172801}).status_code == 400
    missing = "/device-types/00000000-0000-4000-8000-000000000000/onlinemonitoring"
    assert api.get(missing).status_code == 403
    assert api.patch(missing, json={"communicationInterval": 5}).status_code == 403


def test_unknown_type_is_404(api: httpx.Client) -> None:
    missing = "/device-types/00000000-0000-4000-8000-000000000000"
    assert api.get(missing).status_code == 404
    assert api.patch(missing, json={"name": "x"}).status_code == 404


def test_reader_can_read_but_not_write(olt_sim: SimHandle, make_type: MakeType) -> None:
    made = make_type()
    reader = olt_sim.client("reader@example.com")
    assert reader.get(f"/device-types/{made['id']}").status_code == 200
    assert reader.get("/device-types/categories").status_code == 200
    assert reader.post("/device-types", json={"name": "x", "schema": {}}).status_code == 403
    assert reader.delete(f"/device-types/{made['id']}").status_code == 403
