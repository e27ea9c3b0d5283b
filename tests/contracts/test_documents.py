"""Structural tests of the contract documents (contracts/olt-openapi.yaml, contracts/olt-asyncapi.yaml)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from referencing.exceptions import Unresolvable

from contracts import spec
from contracts.spec import asyncapi, lookup, openapi, operation, operations, pointer

HTTP_METHODS = spec.HTTP_METHODS
NO_BODY_SUCCESS = {"204", "101", "302"}
ERROR_SCHEMA = "#/components/schemas/Error"
OAUTH_ERROR_SCHEMA = "#/components/schemas/OAuthError"
IDENTITY_PREFIX = "/id/auth/realms/olt"

# The 125 operations of the reference (shared/reference/operations.tsv), paths relative to /v1;
# identity paths converted from /v1/id/auth/realms/olt... to /id/auth/realms/olt...
EXPECTED_OPERATIONS: list[tuple[str, str]] = [
    ("GET", "/id/auth/realms/olt"),
    ("GET", "/id/auth/realms/olt/protocol/openid-connect/auth"),
    ("POST", "/id/auth/realms/olt/protocol/openid-connect/token"),
    ("GET", "/id/auth/realms/olt/protocol/openid-connect/userinfo"),
    ("GET", "/notifications"),
    ("POST", "/notifications"),
    ("GET", "/notifications/{notificationId}"),
    ("PUT", "/notifications/{notificationId}"),
    ("PATCH", "/notifications/{notificationId}"),
    ("DELETE", "/notifications/{notificationId}"),
    ("GET", "/notifications/history"),
    ("POST", "/tenants"),
    ("GET", "/tenants/{tenantId}"),
    ("PATCH", "/tenants/{tenantId}"),
    ("GET", "/tenants/{tenantId}/roles"),
    ("GET", "/users/{userId}"),
    ("GET", "/users/{userId}/tenants"),
    ("GET", "/users/{userId}/tenants/{tenantId}"),
    ("GET", "/users/{userId}/permissions"),
    ("GET", "/users/{userId}/invites"),
    ("PATCH", "/users/{userId}/invites/{inviteId}"),
    ("POST", "/tenants/{tenantId}/invites"),
    ("GET", "/tenants/{tenantId}/invites"),
    ("DELETE", "/tenants/{tenantId}/invites/{inviteId}"),
    ("GET", "/tenants/{tenantId}/users"),
    ("DELETE", "/tenants/{tenantId}/users/{userId}"),
    ("GET", "/roles/{roleId}/users"),
    ("GET", "/tenants/{tenantId}/users/{userId}/roles"),
    ("PUT", "/tenants/{tenantId}/users/{userId}/roles"),
    ("GET", "/permissions"),
    ("POST", "/roles"),
    ("GET", "/roles"),
    ("GET", "/roles/{roleId}"),
    ("DELETE", "/roles/{roleId}"),
    ("PATCH", "/roles/{roleId}"),
    ("POST", "/application-developer/applications/{applicationId}/custom-permissions"),
    ("GET", "/application-developer/applications/{applicationId}/custom-permissions"),
    ("GET", "/application-developer/applications/{applicationId}/custom-permissions/{permissionId}"),
    ("PATCH", "/application-developer/applications/{applicationId}/custom-permissions/{permissionId}"),
    ("DELETE", "/application-developer/applications/{applicationId}/custom-permissions/{permissionId}"),
    ("POST", "/application-developer/applications"),
    ("GET", "/application-developer/applications"),
    ("GET", "/application-developer/applications/{applicationId}"),
    ("DELETE", "/application-developer/applications/{applicationId}"),
    ("PATCH", "/application-developer/applications/{applicationId}"),
    ("GET", "/application-developer/applications/{applicationId}/allowed-tenants"),
    ("PUT", "/application-developer/applications/{applicationId}/allowed-tenants/{tenantId}"),
    ("DELETE", "/application-developer/applications/{applicationId}/allowed-tenants/{tenantId}"),
    ("POST", "/application-developer/applications/{applicationId}/secret"),
    ("GET", "/applications"),
    ("GET", "/applications/{applicationId}"),
    ("POST", "/applications/{applicationId}/installation"),
    ("GET", "/applications/{applicationId}/installation"),
    ("PATCH", "/applications/{applicationId}/installation"),
    ("DELETE", "/applications/{applicationId}/installation"),
    ("GET", "/applications/{applicationId}/permissions"),
    ("GET", "/application-info/installed-tenants"),
    ("GET", "/application-info/installation"),
    ("POST", "/devices"),
    ("GET", "/devices"),
    ("GET", "/devices/{deviceId}"),
    ("PATCH", "/devices/{deviceId}"),
    ("DELETE", "/devices/{deviceId}"),
    ("PATCH", "/devices/{deviceId}/onlinemonitoring"),
    ("GET", "/devices/{deviceId}/onlinemonitoring"),
    ("POST", "/devices/{deviceId}/actions"),
    ("POST", "/devices/actions"),
    ("GET", "/devices/{deviceId}/state"),
    ("GET", "/devices/state"),
    ("GET", "/devices/{deviceId}/last-events"),
    ("POST", "/devices/{deviceId}/certificates"),
    ("GET", "/devices/{deviceId}/certificates"),
    ("GET", "/devices/{deviceId}/certificates/{certId}"),
    ("PATCH", "/devices/{deviceId}/certificates/{certId}"),
    ("DELETE", "/devices/{deviceId}/certificates/{certId}"),
    ("GET", "/devices/{deviceId}/last-diagnostics"),
    ("POST", "/devices/{deviceId}/firmware-installations"),
    ("GET", "/devices/{deviceId}/firmware-installations"),
    ("GET", "/devices/{deviceId}/firmware-installations/{installationId}"),
    ("PATCH", "/devices/{deviceId}/firmware-installations/{installationId}"),
    ("GET", "/devices/{deviceId}/aggregated-timeseries"),
    ("GET", "/devices/{deviceId}/last-timeseries"),
    ("DELETE", "/devices/{deviceId}/timeseries"),
    ("POST", "/devices/{deviceId}/timeseries-dump"),
    ("GET", "/devices/{deviceId}/timeseries-dump/{dumpId}"),
    ("POST", "/devices/timeseries-dump"),
    ("GET", "/devices/timeseries-dump/{dumpId}"),
    ("POST", "/devices/aggregated-timeseries-dump"),
    ("GET", "/devices/aggregated-timeseries-dump/{dumpId}"),
    ("POST", "/devices/streaming-connections"),
    ("POST", "/device-types"),
    ("GET", "/device-types"),
    ("GET", "/device-types/categories"),
    ("GET", "/device-types/{deviceTypeId}"),
    ("PATCH", "/device-types/{deviceTypeId}"),
    ("DELETE", "/device-types/{deviceTypeId}"),
    ("PATCH", "/device-types/{deviceTypeId}/onlinemonitoring"),
    ("GET", "/device-types/{deviceTypeId}/onlinemonitoring"),
    ("POST", "/device-types/{deviceTypeId}/slots/{slotName}/firmwares"),
    ("GET", "/device-types/{deviceTypeId}/slots/{slotName}/firmwares"),
    ("DELETE", "/device-types/{deviceTypeId}/slots/{slotName}/firmwares/{associationId}"),
    ("POST", "/firmwares"),
    ("GET", "/firmwares"),
    ("GET", "/firmwares/{id}"),
    ("DELETE", "/firmwares/{id}"),
    ("PUT", "/firmwares/{id}/blob"),
    ("GET", "/firmwares/{id}/blob"),
    ("POST", "/event-ingest"),
    ("POST", "/timeseries"),
    ("GET", "/timeseries"),
    ("GET", "/timeseries/{timeseriesId}"),
    ("PATCH", "/timeseries/{timeseriesId}"),
    ("DELETE", "/timeseries/{timeseriesId}"),
    ("POST", "/timeseries/{timeseriesId}/data-points"),
    ("DELETE", "/timeseries/{timeseriesId}/data-points"),
    ("GET", "/timeseries/{timeseriesId}/last-data-points"),
    ("GET", "/timeseries/{timeseriesId}/aggregated-data-points"),
    ("POST", "/timeseries/aggregated-dump"),
    ("POST", "/timeseries/dump"),
    ("GET", "/timeseries/requests/{requestId}"),
    ("GET", "/timeseries/files/{fileId}"),
    ("POST", "/data-ingest"),
    ("GET", "/audit-logs"),
    ("GET", "/devices/streaming-connections"),
    ("GET", "/devices/streaming-connections/{type}"),
]

# Keywords whose values are subschemas (Draft 2020-12, plus draft-07 forms used by AsyncAPI).
_SCHEMA_MAP_KEYS = {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
_SCHEMA_KEYS = {
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "contentSchema",
}
_SCHEMA_LIST_KEYS = {"allOf", "anyOf", "oneOf", "prefixItems"}
_DATA_KEYS = {"example", "examples", "default", "enum", "const"}


# --------------------------------------------------------------------------- helpers


def _iter_refs(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Yield (pointer, $ref) for every $ref outside example/default data."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = where + pointer(key)
            if key == "$ref" and isinstance(value, str):
                yield where, value
            elif key == "examples" and isinstance(value, dict):
                # OpenAPI map of Example objects: only a $ref there is a reference
                for name, example in value.items():
                    if isinstance(example, dict) and isinstance(example.get("$ref"), str):
                        yield here + pointer(name), example["$ref"]
            elif key in _DATA_KEYS:
                continue
            else:
                yield from _iter_refs(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _iter_refs(value, where + pointer(i))


def _walk_schema(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (pointer, schema) for a schema and all its subschemas."""
    if not isinstance(node, dict):
        return
    yield where, node
    for key, value in node.items():
        if key in _SCHEMA_MAP_KEYS and isinstance(value, dict):
            for name, sub in value.items():
                yield from _walk_schema(sub, where + pointer(key, name))
        elif key in _SCHEMA_KEYS:
            if isinstance(value, list):
                for i, sub in enumerate(value):
                    yield from _walk_schema(sub, where + pointer(key, i))
            else:
                yield from _walk_schema(value, where + pointer(key))
        elif key in _SCHEMA_LIST_KEYS and isinstance(value, list):
            for i, sub in enumerate(value):
                yield from _walk_schema(sub, where + pointer(key, i))


def _iter_schemas(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (pointer, schema) for every schema of a document (components and inline)."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = where + pointer(key)
            if key in _DATA_KEYS or key.startswith("x-"):
                continue
            if key in ("schema", "payload") and isinstance(value, dict):
                yield from _walk_schema(value, here)
            elif key == "schemas" and where == "/components" and isinstance(value, dict):
                for name, sub in value.items():
                    yield from _walk_schema(sub, here + pointer(name))
            else:
                yield from _iter_schemas(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _iter_schemas(value, where + pointer(i))


def _iter_outer_examples(node: Any, where: str = "") -> Iterator[tuple[str, Any, str]]:
    """Yield (pointer, example, schema pointer) for parameter/media-type/header examples."""
    if isinstance(node, dict):
        schema = node.get("schema")
        if isinstance(schema, dict):
            if "example" in node:
                yield where + "/example", node["example"], where + "/schema"
            for name, example in (node.get("examples") or {}).items():
                if isinstance(example, dict) and "value" in example:
                    yield where + pointer("examples", name, "value"), example["value"], where + "/schema"
        for key, value in node.items():
            if key in _DATA_KEYS or key in ("schema", "schemas") or key.startswith("x-"):
                continue
            yield from _iter_outer_examples(value, where + pointer(key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _iter_outer_examples(value, where + pointer(i))


def _example_failures(doc_name: spec.DocumentName) -> tuple[int, list[str]]:
    doc = spec.document(doc_name)
    cases: list[tuple[str, Any, str]] = [
        (where + "/example", schema["example"], where) for where, schema in _iter_schemas(doc) if "example" in schema
    ]
    cases += list(_iter_outer_examples(doc))
    if doc_name == "asyncapi":
        for name, message in doc.get("components", {}).get("messages", {}).items():
            for i, example in enumerate(message.get("examples") or []):
                if "payload" in example:
                    cases.append(
                        (
                            pointer("components", "messages", name, "examples", i, "payload"),
                            example["payload"],
                            pointer("components", "messages", name, "payload"),
                        )
                    )
    failures = []
    for where, example, schema_pointer in cases:
        try:
            for error in spec.validator(schema_pointer, doc_name).iter_errors(example):
                failures.append(f"{where}: {error.message} (at /{'/'.join(map(str, error.absolute_path))})")
        except Unresolvable as exc:
            failures.append(f"{where}: unresolvable reference {exc.ref!r}")
    return len(cases), failures


def _resolve_response(response: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in response:
        response = lookup(openapi(), response["$ref"])
    return response


def _all_operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in openapi()["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]


# --------------------------------------------------------------------------- OpenAPI


def test_openapi_is_valid_openapi_31() -> None:
    doc = openapi()
    assert str(doc.get("openapi", "")).startswith("3.1"), doc.get("openapi")
    try:
        errors = [
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in OpenAPIV31SpecValidator(doc).iter_errors()
        ]
    except Exception as exc:  # e.g. a dangling $ref aborts the validator
        pytest.fail(f"validator crashed: {type(exc).__name__}: {str(exc)[:300]}")
    assert not errors, "\n".join(errors[:50])


def test_openapi_has_exactly_the_expected_operations() -> None:
    assert len(EXPECTED_OPERATIONS) == 125
    assert len(set(EXPECTED_OPERATIONS)) == 125
    actual = Counter((method.upper(), path) for method, path, _ in _all_operations())
    duplicates = [pair for pair, n in actual.items() if n > 1]
    assert not duplicates
    missing = sorted(set(EXPECTED_OPERATIONS) - set(actual))
    extra = sorted(set(actual) - set(EXPECTED_OPERATIONS))
    assert not missing and not extra, f"missing: {missing}\nextra: {extra}"


def test_openapi_paths_are_not_ambiguous() -> None:
    shapes = Counter(re.sub(r"\{[^}]+\}", "{}", path) for path in openapi()["paths"])
    assert [s for s, n in shapes.items() if n > 1] == []


def test_operation_ids_are_unique() -> None:
    ids = [op.get("operationId") for _, _, op in _all_operations()]
    assert all(isinstance(i, str) and i for i in ids)
    assert [i for i, n in Counter(ids).items() if n > 1] == []


@pytest.mark.parametrize(("method", "path"), EXPECTED_OPERATIONS, ids=[f"{m} {p}" for m, p in EXPECTED_OPERATIONS])
def test_operation_contract(method: str, path: str) -> None:
    op = openapi()["paths"].get(path, {}).get(method.lower())
    assert op is not None, f"{method} {path} missing"
    assert isinstance(op.get("operationId"), str) and op["operationId"]
    assert isinstance(op.get("tags"), list) and op["tags"], "no tags"
    permissions = op.get("x-olt-permissions")
    assert isinstance(permissions, list), "x-olt-permissions must be a list"
    assert all(isinstance(p, str) for p in permissions)

    responses = {str(code): resp for code, resp in op.get("responses", {}).items()}
    success = [code for code in responses if code[:1] in "123" and code.isdigit()]
    assert success, "no 1xx/2xx/3xx response"
    for code in success:
        if code in NO_BODY_SUCCESS:
            continue
        response = _resolve_response(responses[code])
        content = response.get("content")
        assert content, f"{code}: success response without content"
        for media_type, media in content.items():
            if media_type == "application/json" or media_type.endswith("+json"):
                assert "schema" in media, f"{code} {media_type}: no schema"

    allowed = {ERROR_SCHEMA, OAUTH_ERROR_SCHEMA} if path.startswith(IDENTITY_PREFIX) else {ERROR_SCHEMA}
    for code, raw in responses.items():
        if not (code[:1] in "45" or code == "default"):
            continue
        response = _resolve_response(raw)
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        assert schema is not None, f"{code}: error response without application/json schema"
        assert schema.get("$ref") in allowed, f"{code}: error schema {schema} is not one of {sorted(allowed)}"


def test_links_target_existing_operations() -> None:
    by_id = {op.operation_id: op for op in operations()}
    bad = []
    for method, path, op in _all_operations():
        for code, raw in op.get("responses", {}).items():
            for name, link in (_resolve_response(raw).get("links") or {}).items():
                where = f"{method.upper()} {path} {code} links/{name}"
                target = by_id.get(link.get("operationId"))
                if target is None:
                    bad.append(f"{where}: unknown operationId {link.get('operationId')!r}")
                    continue
                names = {param["name"] for param in target.parameters}
                bad += [
                    f"{where}: {target.operation_id} has no parameter {param!r}"
                    for param in link.get("parameters", {})
                    if param.split(".")[-1] not in names
                ]
    assert not bad, "\n".join(bad)


def test_every_ref_resolves_openapi() -> None:
    bad = []
    for where, ref in _iter_refs(openapi()):
        try:
            assert ref.startswith("#/")
            lookup(openapi(), ref)
        except (AssertionError, KeyError, ValueError) as exc:
            bad.append(f"{where}: {ref} ({exc})")
    assert not bad, "\n".join(bad)


def test_openapi_examples_validate() -> None:
    count, failures = _example_failures("openapi")
    assert count >= 20, f"only {count} examples found"
    assert not failures, "\n".join(failures)


def test_resolved_openapi_has_no_non_recursive_refs() -> None:
    resolved = spec.resolved_openapi()
    leftovers = {ref for _, ref in _iter_refs(resolved)}
    # only refs kept to break a recursion may remain, and they must point at schemas
    assert all(ref.startswith("#/components/schemas/") for ref in leftovers), leftovers


# --------------------------------------------------------------------------- AsyncAPI


def test_asyncapi_structure() -> None:
    doc = asyncapi()
    assert str(doc.get("asyncapi", "")).startswith("3."), doc.get("asyncapi")
    assert doc["info"]["title"] and doc["info"]["version"]

    servers = doc["servers"]
    assert servers
    for name, server in servers.items():
        assert server.get("host") and server.get("protocol"), name
    secure = [s for s in servers.values() if s["protocol"] in ("mqtts", "secure-mqtt")]
    assert any(s["host"].endswith(":8883") and s.get("protocolVersion") == "3.1.1" for s in secure)
    for server in secure:
        schemes = [lookup(doc, ref["$ref"]) if "$ref" in ref else ref for ref in server.get("security", [])]
        assert any(s.get("type") == "X509" for s in schemes)
    assert any(s["protocol"] == "mqtt" and s["host"].endswith(":1883") for s in servers.values())
    assert any(s["protocol"] in ("ws", "wss") for s in servers.values())

    channels = doc["channels"]
    addresses = {channel.get("address") for channel in channels.values()}
    assert {
        "data-ingest",
        "event-ingest",
        "devices/{deviceId}/configuration",
        "devices/{deviceId}/actions",
        "devices/{deviceId}/firmware-installations",
        "/v1/devices/streaming-connections/{type}",
    } <= addresses
    for name, channel in channels.items():
        assert channel.get("messages"), f"channel {name} has no messages"
        for param in re.findall(r"\{([^}]+)\}", channel["address"]):
            assert param in channel.get("parameters", {}), f"channel {name}: parameter {param} undeclared"
        for message_name, message_ref in channel["messages"].items():
            message = lookup(doc, message_ref["$ref"]) if "$ref" in message_ref else message_ref
            assert "payload" in message, f"{name}/{message_name} has no payload"
            payload = message["payload"]
            payload = lookup(doc, payload["$ref"]) if "$ref" in payload else payload
            assert payload.get("type") == "object"
            assert "example" in payload, f"{name}/{message_name}: payload schema without example"
        for server_ref in channel.get("servers", []):
            assert server_ref["$ref"].startswith("#/servers/")
            lookup(doc, server_ref["$ref"])

    stream = next(c for c in channels.values() if c["address"] == "/v1/devices/streaming-connections/{type}")
    assert set(stream["messages"]) == {"attributeUpdate", "configurationUpdate", "eventUpdate"}

    operations_ = doc["operations"]
    used_channels = set()
    for name, op in operations_.items():
        assert op["action"] in ("send", "receive"), name
        channel_ref = op["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/"), name
        channel_id = channel_ref.removeprefix("#/channels/")
        assert channel_id in channels, name
        used_channels.add(channel_id)
        assert op.get("messages"), f"operation {name} lists no messages"
        for message_ref in op["messages"]:
            assert message_ref["$ref"].startswith(channel_ref + "/messages/"), (name, message_ref)
            lookup(doc, message_ref["$ref"])
    assert used_channels == set(channels), "every channel needs an operation"


def test_asyncapi_payload_schemas_have_examples() -> None:
    schemas = asyncapi()["components"]["schemas"]
    for name in (
        "DataIngestPayload",
        "EventIngestPayload",
        "DeviceConfigurationMessage",
        "DeviceActionMessage",
        "FirmwareInstallationMessage",
        "AttributeUpdateMessage",
        "ConfigurationUpdateMessage",
        "EventUpdateMessage",
    ):
        assert "example" in schemas[name], name


def test_every_ref_resolves_asyncapi() -> None:
    bad = []
    for where, ref in _iter_refs(asyncapi()):
        try:
            assert ref.startswith("#/")
            lookup(asyncapi(), ref)
        except (AssertionError, KeyError, ValueError) as exc:
            bad.append(f"{where}: {ref} ({exc})")
    assert not bad, "\n".join(bad)


def test_asyncapi_examples_validate() -> None:
    count, failures = _example_failures("asyncapi")
    assert count >= 8, f"only {count} examples found"
    assert not failures, "\n".join(failures)


def test_asyncapi_ingest_constraints() -> None:
    v = spec.validator("/components/schemas/DataIngestPayload", "asyncapi")
    assert v.is_valid({"type": "attributes", "value": {"a": 1}})
    assert not v.is_valid({"type": "event", "value": {}})
    assert not v.is_valid({"type": "attributes"})
    assert not v.is_valid({"type": "attributes", "value": {}, "time": "yesterday"})
    e = spec.validator("/components/schemas/EventIngestPayload", "asyncapi")
    assert e.is_valid({"type": "batteryLow"})
    assert not e.is_valid({"type": "battery-low"})
    assert not e.is_valid({"type": "a" * 256})


# --------------------------------------------------------------------------- contracts.spec


def test_spec_operations() -> None:
    ops = operations()
    assert len(ops) == 125
    assert len({op.operation_id for op in ops}) == 125
    assert {(op.method, op.path) for op in ops} == set(EXPECTED_OPERATIONS)
    for op in ops:
        assert op.full_path == "/v1" + op.path
        assert op.method.isupper()
        assert isinstance(op.permissions, tuple)
        assert operation(op.operation_id) is op
    token = next(op for op in ops if op.path == "/id/auth/realms/olt/protocol/openid-connect/token")
    assert token.full_path == "/v1/id/auth/realms/olt/protocol/openid-connect/token"
    assert not token.requires_auth
    with pytest.raises(KeyError):
        operation("noSuchOperation")


def test_spec_validator_resolves_refs() -> None:
    error_validator = spec.validator("#/components/schemas/Error")
    assert error_validator.is_valid({"errorMessage": "x", "errorCode": "Y"})
    assert not error_validator.is_valid({"errorMessage": "x"})
    uuid_validator = spec.schema_validator({"$ref": "#/components/schemas/Uuid"})
    assert uuid_validator.is_valid("123e4567-e89b-12d3-a456-426655440000")
    assert not uuid_validator.is_valid("not-a-uuid")
    date_validator = spec.schema_validator({"$ref": "#/components/schemas/DateTime"})
    assert date_validator.is_valid("2019-04-25T15:07:15.392Z")
    assert not date_validator.is_valid("2019-04-25 15:07")


def test_stdlib_format_checks() -> None:
    assert spec._is_uuid("123e4567-e89b-12d3-a456-426655440000")
    assert not spec._is_uuid("123e4567e89b12d3a456426655440000")
    assert spec._is_date_time("2018-07-07T11:50:12+00:00")
    assert spec._is_date_time("2019-04-25T15:07:15.392Z")
    assert not spec._is_date_time("2019-02-30T00:00:00Z")
    assert not spec._is_date_time("2019-04-25")
