"""Safe mode's rule and the contract knowledge it rests on (links, resources, the ledger)."""

from __future__ import annotations

import uuid
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from contracts import spec
from contracts.harness.ledger import Ledger
from contracts.harness.policy import SafetyPolicy
from contracts.harness.resources import READ_METHODS, Request, contract_map, evaluate, fill

OURS, THEIRS = str(uuid.uuid4()), str(uuid.uuid4())


def policy(*owned: str, safe: bool = True) -> SafetyPolicy:
    return SafetyPolicy(contract_map(), set(owned), safe=safe)


def test_resources_come_from_the_contracts_links() -> None:
    resources = contract_map().resources
    device = resources["createDevice"]
    assert (device.delete.operation_id, device.read, device.kind) == ("deleteDevice", "getDevice", "deviceId")
    assert resources["createFirmware"].kind == "firmwareId"  # /firmwares/{id}
    assert resources["installApplication"].delete.operation_id == "uninstallApplication"
    assert "createTenant" not in resources  # no delete: safe mode may not create tenants


def test_link_expressions() -> None:
    request = Request({"deviceId": OURS}, {"name": "x"}, {})
    body = {"data": {"id": THEIRS}}
    assert evaluate("$response.body#/data/id", request, body, {}) == THEIRS
    assert evaluate("$request.path.deviceId", request, body, {}) == OURS
    assert evaluate("$request.body#/name", request, body, {}) == "x"
    assert evaluate("$response.header.Location", request, body, {"location": "/v1/x"}) == "/v1/x"
    assert evaluate("$response.body#/data/missing", request, body, {}) is None
    filled = fill("/devices/{deviceId}/certificates/{certId}", {"deviceId": "a", "certId": "b"})
    assert filled == "/devices/a/certificates/b"
    assert fill("/devices/{deviceId}", {}) is None


def test_safe_mode_reads_creates_and_touches_only_its_own() -> None:
    safe = policy(OURS)
    assert safe.refusal("GET", f"/v1/devices/{THEIRS}") is None
    assert safe.refusal("POST", "/v1/devices") is None
    assert safe.refusal("PATCH", f"/v1/devices/{OURS}") is None
    assert safe.refusal("POST", f"/v1/devices/{OURS}/certificates") is None
    assert safe.refusal("DELETE", f"/v1/devices/{OURS}") is None
    assert "did not create" in (safe.refusal("DELETE", f"/v1/devices/{THEIRS}") or "")
    assert safe.refusal("DELETE", f"/v1/application-developer/applications/{OURS}/allowed-tenants/{THEIRS}")
    assert safe.refusal("POST", "/v1/tenants")  # cannot be deleted again
    assert safe.refusal("POST", "/v1/data-ingest")  # not a create at all
    assert safe.refusal("DELETE", "/v1/nowhere")
    assert safe.refusal("POST", "/_sim/tokens") is None
    assert safe.refusal("POST", "/_sim/reset")
    assert policy(safe=False).refusal("DELETE", f"/v1/devices/{THEIRS}") is None


templates = st.sampled_from([op for op in spec.operations() if op.method not in READ_METHODS and "{" in op.path])


@given(templates, st.lists(st.uuids().map(str), min_size=5, max_size=5))
def test_no_write_with_a_foreign_id_passes_safe_mode(operation: spec.Operation, ids: list[str]) -> None:
    params = {p["name"]: ids[i] for i, p in enumerate(x for x in operation.parameters if x["in"] == "path")}
    path = spec.API_PREFIX + (fill(operation.path, params) or "")
    assert policy(*ids[1:]).refusal(operation.method, path)  # ids[0] (the first parameter) is foreign
    assert policy(*ids).refusal(operation.method, path) is None


def test_the_ledger_survives_a_restart(tmp_path: Path) -> None:
    ledger = Ledger.start(tmp_path, "run1", "http://x", "oh-run1-")
    ledger.created(f"/v1/devices/{OURS}", "createDevice", {OURS})
    ledger.created(f"/v1/devices/{OURS}/certificates/{THEIRS}", "createDeviceCertificate", {THEIRS})
    ledger.deleted(f"/v1/devices/{OURS}/certificates/{THEIRS}")
    with (tmp_path / "run1.jsonl").open("a") as out:
        out.write('{"event": "created", "pa')  # a line cut short by a crash
    loaded = Ledger.load(tmp_path, "run1")
    assert [e.path for e in loaded.pending()] == [f"/v1/devices/{OURS}"]
    assert loaded.owned == {OURS, THEIRS}
    assert (loaded.base_url, loaded.prefix) == ("http://x", "oh-run1-")
