"""A request that fails after it began changing the world leaves the world as it was (core/undo.py).

Every mutating operation of the contract is driven with a valid request (the harness' reach recipes,
plus the operations they do not reach), once with a failure injected late in the path and once for
real. The failed attempt must answer 500 in OLT's error shape with the snapshot (state, audit log,
random source, clock) identical and no side effect delivered (persistence, bus effects).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import spec
from contracts.harness.reach import Unresolved, fill, pick, self_signed_certificate
from contracts.harness.recipes import FORM, RECIPES, Step
from simulator.api import dispatch
from simulator.api.atomic import READS, atomic
from simulator.api.call import Call
from simulator.api.not_simulated import NOT_SIMULATED
from simulator.api.operations import Endpoint
from simulator.core import undo
from simulator.core.events import DomainEvent, ResourceChanged
from simulator.core.journaled import JournaledDict, JournaledList
from simulator.core.snapshot import encode
from simulator.persistence.saver import Persister
from simulator.testing import SimHandle, error_shape_problems
from simulator.world import World

MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
NOTIFICATION = {
    "notificationTemplate": {"channel": "email", "recipients": ["ops@example.com"], "subject": "S", "body": "B"},
    "notificationFilter": {},
    "active": True,
}
TENANT = {
    "name": "Rollback Corp",
    "billingContact": {"firstName": "Otto", "lastName": "Other", "email": "otto@example.com"},
    "billingCompany": {"name": "Rollback Corp GmbH", "vatNumber": "DE999999999"},
    "package": {"id": "basic"},
    "payment": {"paymentMethod": {"type": "scheme"}},
}
DEVICE = {"deviceId": "{deviceId}"}
#: The mutating operations the reach recipes leave out, in an order that works.
EXTRA: tuple[Step, ...] = (
    Step("createNotification", body=NOTIFICATION, save={"notificationId": "data/id"}),
    Step("replaceNotification", path={"notificationId": "{notificationId}"}, body=NOTIFICATION),
    Step("updateNotification", path={"notificationId": "{notificationId}"}, body={"active": False}),
    Step("deleteNotification", path={"notificationId": "{notificationId}"}),
    Step("createTenant", body=TENANT),
    Step("updateRole", path={"roleId": "{newRoleId}"}, body={"description": "changed"}),
    Step("deleteRole", path={"roleId": "{newRoleId}"}),
    Step("updateApplication", path={"applicationId": "{applicationId}"}, body={"teaserDescription": "changed"}),
    Step("updateDevice", path=DEVICE, body={"info": {"name": "renamed", "tags": ["hall"]}}),
    Step(
        "createBulkDeviceActions",
        body={"action": "blink", "payload": {"times": 1}, "deviceFilter": {"deviceTag": ["hall"]}},
    ),
    Step("updateDeviceType", path={"deviceTypeId": "{deviceTypeId}"}, body={"description": "changed"}),
    Step("updateTimeseries", path={"timeseriesId": "{timeseriesId}"}, body={"name": "renamed"}),
    Step("deleteTimeseries", path={"timeseriesId": "{timeseriesId}"}),
    Step("deleteDevice", path=DEVICE),
    Step("deleteDeviceType", path={"deviceTypeId": "{deviceTypeId}"}),
    Step("deleteFirmware", path={"id": "{firmwareId}"}),
    Step("deleteApplication", path={"applicationId": "{applicationId}"}),
)


class Injected(RuntimeError):
    """The failure a test plants late in a request's path."""


def fail_after_the_response(patch: pytest.MonkeyPatch) -> None:
    """The endpoint runs to the end (backend, bus, response encoded), then the request fails."""

    def failing(endpoint: Endpoint, method: str) -> Endpoint:
        if method in READS:
            return endpoint

        async def then_fail(call: Call) -> Any:
            await endpoint(call)
            raise Injected("after the response was built")

        return atomic(then_fail, method)

    patch.setattr(dispatch, "atomic", failing)


def boom(event: ResourceChanged) -> None:
    raise Injected(f"a subscriber failed on {event.action}")


@contextlib.contextmanager
def injected(injection: str, sim: Any) -> Iterator[None]:
    """after-response: the request fails once its response is built; subscriber: a bus subscriber
    (the strict test bus raises into the publisher) fails after the backend changed things."""
    if injection == "after-response":
        with pytest.MonkeyPatch.context() as patch:
            fail_after_the_response(patch)
            yield
    elif injection == "subscriber":
        unsubscribe = sim.bus.subscribe(ResourceChanged, boom)
        try:
            yield
        finally:
            unsubscribe()
    else:
        yield


INJECTIONS = ("after-response", "subscriber")


def differences(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Which parts of two snapshots differ (store fields by name), for a short failure message."""
    found = [key for key in ("clock", "random") if before[key] != after[key]]
    old, new = before["state"]["fields"], after["state"]["fields"]
    for store in old:
        a, b = old[store], new[store]
        if a != b:
            fields = a.get("fields", {}) if isinstance(a, dict) else {}
            found += [f"{store}.{f}" for f in fields if fields[f] != b.get("fields", {}).get(f)] or [store]
    return found


class Tour:
    """Runs recipe steps against one simulator, keeping the values they save."""

    def __init__(self, olt_sim: SimHandle, tmp_path: Path) -> None:
        self.olt_sim, self.sim = olt_sim, olt_sim.sim
        self.api = olt_sim.client(check_contract=False)
        self.control = olt_sim.control()
        other = self.control.post("/_sim/tenants", json={"name": "Rollback other", "owner": "owner@example.com"})
        self.known: dict[str, Any] = {
            "userId": olt_sim.world.owner_user_id,
            "tenantId": olt_sim.tenant_id,
            "prefix": "rb-",
            "certificate": self_signed_certificate("rb-device"),
            "otherTenantId": other.json()["tenantId"],
        }
        self.heard: list[DomainEvent] = []
        self.persister = olt_sim.call(lambda: Persister(self.sim, tmp_path / "state"))
        self._unsubscribe = olt_sim.call(
            lambda: self.sim.bus.subscribe(DomainEvent, self.heard.append, after_commit=True)
        )
        self.rolled_back: set[str] = set()

    def close(self) -> None:
        self.olt_sim.call(self._unsubscribe)
        self.olt_sim.call(self.persister._unsubscribe)

    def filled_body(self, step: Step) -> Any:
        return fill(step.body, self.known) if step.body is not None else None

    def send(self, step: Step, body: Any = None) -> httpx.Response:
        """The step's request (with `body` instead of the step's own when given)."""
        op = spec.operation(step.operation_id)
        path = op.path.format(**fill(step.path, self.known))
        body = self.filled_body(step) if body is None else body
        headers = {k: str(v) for k, v in fill(step.headers, self.known).items()}
        if isinstance(body, bytes):
            content: dict[str, Any] = {"content": body, "headers": {"content-type": step.media_type, **headers}}
        elif step.media_type == FORM and body is not None:
            content = {"data": body, "headers": headers}
        elif body is not None:
            content = {"json": body, "headers": headers}
        else:
            content = {"headers": headers}
        return self.api.request(op.method, path, params=fill(step.query, self.known) or None, **content)

    def save(self, step: Step, response: httpx.Response) -> None:
        try:
            body = response.json()
        except ValueError:
            return
        for name, pointer in step.save.items():
            value = pick(body, pointer)
            if value is not None:
                self.known[name] = value

    def run(self, step: Step, injection: str = "") -> None:
        if step.stream is not None:
            return
        try:
            if step.sim is not None:
                answer = self.control.post(step.sim, json=fill(step.sim_body, self.known))
                self.save(step, answer)
                return
            op = spec.operation(step.operation_id)
            if injection and op.method in MUTATING:
                self.fails_and_changes_nothing(step, injection)
            response = self.send(step)
        except Unresolved as missing:
            raise AssertionError(f"{step.operation_id}: no value for {missing}") from None
        if op.method in MUTATING:
            assert response.status_code < 400, (step.operation_id, response.text)
        self.save(step, response)

    def fails_and_changes_nothing(self, step: Step, injection: str) -> None:
        before = self.olt_sim.snapshot()
        self.heard.clear()
        self.persister.dirty = False
        with injected(injection, self.sim):
            response = self.send(step)
        if response.status_code != 500:  # the operation never reached the injected failure
            assert response.status_code < 400, (step.operation_id, response.status_code, response.text)
            return
        assert error_shape_problems(step.operation_id, 500, response.content) == []
        after = self.olt_sim.snapshot()
        assert differences(before, after) == [], step.operation_id
        assert after == before, step.operation_id
        assert self.heard == [], (step.operation_id, self.heard)
        assert not self.persister.dirty, step.operation_id
        self.rolled_back.add(step.operation_id)


def simulated_changes(*, with_authentication: bool) -> set[str]:
    return {
        op.operation_id
        for op in spec.operations()
        if op.method in MUTATING
        and op.operation_id not in NOT_SIMULATED
        and (with_authentication or op.tag != "authentication")
    }


@pytest.mark.parametrize("injection", INJECTIONS)
def test_every_mutating_operation_that_fails_late_changes_nothing(
    olt_sim: SimHandle, tmp_path: Path, injection: str
) -> None:
    tour = Tour(olt_sim, tmp_path)
    try:
        for step in RECIPES + EXTRA:
            tour.run(step, injection)
    finally:
        tour.close()
    expected = simulated_changes(with_authentication=injection == "after-response")
    assert expected - tour.rolled_back == set()


def test_every_state_class_of_a_populated_world_is_kept_by_transactions(olt_sim: SimHandle, tmp_path: Path) -> None:
    """A dataclass stored in the world that the undo log does not hook would escape rollback."""
    tour = Tour(olt_sim, tmp_path)
    try:
        for step in RECIPES + EXTRA[:4]:
            tour.run(step)
    finally:
        tour.close()
    tags: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "__dc__" in value:
                tags.add(value["__dc__"])
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(encode(olt_sim.sim.state))
    hooked = {f"{c.__module__}:{c.__qualname__}" for c in undo.state_classes()}
    frozen = {tag for tag in tags if tag not in hooked}
    assert len(tags) > 20
    for tag in frozen:  # what is not hooked must be immutable
        module, _, name = tag.partition(":")
        cls = getattr(__import__(module, fromlist=[name]), name)
        assert cls.__dataclass_params__.frozen, tag
    assert World in undo.state_classes()


def test_an_in_process_call_that_fails_half_way_changes_nothing(olt_sim: SimHandle) -> None:
    """The transaction is the domain's: a plain Python call is all-or-nothing too."""
    api = olt_sim.client()
    type_id = api.post("/device-types", json={"name": "T", "schema": {}}).json()["data"]["id"]
    sim, tenant = olt_sim.sim, olt_sim.tenant_id
    before = olt_sim.snapshot()

    def half_way() -> None:
        from simulator.services.devices.inputs import NewDevice

        def broken_index(tenant_id: str) -> Any:
            raise Injected("index failed after the device was stored")

        store = sim.devices.store
        setattr(store, "index", broken_index)  # noqa: B010 - shadows the method on this one store
        try:
            sim.devices.create_device(tenant, NewDevice("d", type_id))
        finally:
            delattr(store, "index")

    with pytest.raises(Injected):
        olt_sim.call(half_way)
    assert olt_sim.snapshot() == before
    assert api.get("/devices").json()["data"] == []


def test_an_error_response_rolls_back_too(olt_sim: SimHandle, monkeypatch: pytest.MonkeyPatch) -> None:
    """An endpoint that changed something and then answers 4xx (not raising) leaves nothing behind."""
    api = olt_sim.client(check_contract=False)
    before = olt_sim.snapshot()

    def answering_409(endpoint: Endpoint, method: str) -> Endpoint:
        async def conflict(call: Call) -> Any:
            response = await endpoint(call)
            response.status_code = 409
            return response

        return atomic(conflict, method)

    monkeypatch.setattr(dispatch, "atomic", answering_409)
    assert api.post("/device-types", json={"name": "T", "schema": {}}).status_code == 409
    monkeypatch.undo()
    assert olt_sim.snapshot() == before


def test_diagnostics_of_a_refused_ingest_outlive_the_rollback(olt_sim: SimHandle) -> None:
    api = olt_sim.client()
    schema = {"attributes": {"temperature": {"type": "number"}}}
    type_id = api.post("/device-types", json={"name": "T", "schema": schema}).json()["data"]["id"]
    device_id = api.post("/devices", json={"info": {"name": "d", "deviceTypeId": type_id}}).json()["data"]["id"]
    body = {"senderId": device_id, "deviceId": device_id, "type": "attributes", "value": {"temperature": "hot"}}
    assert api.post("/data-ingest", json=body).status_code == 400
    [entry] = api.get(f"/devices/{device_id}/last-diagnostics").json()["data"]
    assert entry["code"] == "SCHEMA_VALIDATION_FAILED"
    assert api.get(f"/devices/{device_id}/state").json()["data"]["attributes"] == {}


# --------------------------------------------------------------------------- sequences


def _ids(api: httpx.Client, path: str) -> list[str]:
    return [item["id"] for item in api.get(path, params={"pageSize": 100}).json()["data"]]


def _request(api: httpx.Client, kind: str, n: int) -> httpx.Response | None:
    """One valid request of `kind`, aimed at what the world holds now (None: nothing to aim at)."""
    types, devices = _ids(api, "/device-types"), _ids(api, "/devices")
    if kind == "type":
        schema = {"attributes": {"t": {"type": "number"}}, "configuration": {"b": {"type": "integer"}}}
        return api.post("/device-types", json={"name": f"type {n}", "schema": schema})
    if not types:
        return None
    if kind == "device":
        info = {"name": f"device {n}", "deviceTypeId": types[n % len(types)], "tags": [f"tag{n % 3}"]}
        return api.post("/devices", json={"info": info, "configuration": {"b": n}})
    if kind == "notification":
        return api.post("/notifications", json=NOTIFICATION)
    if not devices:
        return None
    device = devices[n % len(devices)]
    if kind == "rename":
        return api.patch(f"/devices/{device}", json={"info": {"name": f"renamed {n}"}, "configuration": {"b": -n}})
    if kind == "ingest":
        body = {"senderId": device, "deviceId": device, "type": "attributes", "value": {"t": n}}
        return api.post("/data-ingest", json=body)
    if kind == "action":
        body = {"action": "x", "payload": {}, "deviceFilter": {"deviceTag": ["tag0"]}}
        return api.post("/devices/actions", json=body)
    return api.delete(f"/devices/{device}")


KINDS = ("type", "device", "notification", "rename", "ingest", "action", "delete")
requests = st.lists(
    st.tuples(st.sampled_from(KINDS), st.integers(0, 5), st.sampled_from(["", *INJECTIONS])), max_size=12
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(sequence=requests)
def test_a_mix_of_good_and_failing_requests_leaves_the_world_of_the_good_ones(
    olt_sim: SimHandle, sequence: list[tuple[str, int, str]]
) -> None:
    """After any mix, the world equals the one the successful requests alone build from the same seed."""
    olt_sim.reset()
    api = olt_sim.client(check_contract=False)
    good: list[tuple[str, int]] = []
    for kind, n, injection in sequence:
        before = olt_sim.snapshot()
        with injected(injection, olt_sim.sim):
            response = _request(api, kind, n)
        if response is None:
            continue
        assert response.status_code != 500 or injection, response.text
        if response.status_code >= 400:
            assert olt_sim.snapshot() == before, (kind, response.status_code)
        else:
            good.append((kind, n))
    after_mix = olt_sim.snapshot()
    olt_sim.reset()
    for kind, n in good:
        response = _request(api, kind, n)
        assert response is not None and response.status_code < 400, (kind, n)
    assert olt_sim.snapshot() == after_mix


# --------------------------------------------------------------------------- journaled containers

map_ops = st.lists(
    st.tuples(st.sampled_from(["set", "del", "pop", "setdefault", "update", "clear"]), st.integers(0, 6)), max_size=10
)
list_ops = st.lists(
    st.tuples(st.sampled_from(["append", "trim", "insert", "pop", "sort", "extend", "set"]), st.integers(0, 6)),
    max_size=10,
)


def _apply_map(target: dict[int, str], op: str, n: int) -> None:
    if op == "set":
        target[n] = f"v{n}"
    elif op == "del" and n in target:
        del target[n]
    elif op == "pop":
        target.pop(n, None)
    elif op == "setdefault":
        target.setdefault(n, "d")
    elif op == "update":
        target.update({n: "u", n + 1: "u"})
    elif op == "clear":
        target.clear()


def _apply_list(target: list[int], op: str, n: int) -> None:
    if op == "append":
        target.append(n)
    elif op == "trim":
        del target[:n]
    elif op == "insert":
        target.insert(n, -n)
    elif op == "pop" and target:
        target.pop(0)
    elif op == "sort":
        target.sort(reverse=True)
    elif op == "extend":
        target.extend([n, n])
    elif op == "set" and target:
        target[0] = n


@given(start=st.dictionaries(st.integers(0, 6), st.text(max_size=2), max_size=5), ops=map_ops, fail=st.booleans())
def test_a_journaled_map_rolls_back_to_its_content_and_order(start: dict[int, str], ops: list[Any], fail: bool) -> None:
    target = JournaledDict(start)
    expected: dict[int, str] = dict(start)
    with contextlib.suppress(Injected), undo.transaction(lambda txn: None):
        for op, n in ops:
            _apply_map(target, op, n)
            _apply_map(expected, op, n)
        if fail:
            raise Injected
    assert list(target.items()) == list((start if fail else expected).items())


@given(start=st.lists(st.integers(), max_size=6), ops=list_ops, fail=st.booleans())
def test_a_journaled_list_rolls_back_to_its_content(start: list[int], ops: list[Any], fail: bool) -> None:
    target = JournaledList(start)
    expected = list(start)
    with contextlib.suppress(Injected), undo.transaction(lambda txn: None):
        for op, n in ops:
            _apply_list(target, op, n)
            _apply_list(expected, op, n)
        if fail:
            raise Injected
    assert list(target) == (start if fail else expected)


def test_an_mqtt_uplink_that_fails_half_way_changes_nothing_but_its_diagnostic(olt_sim: SimHandle) -> None:
    """With a strict bus (the pytest fixtures) a subscriber can fail an uplink after the state
    changed, so the bridge runs the pipeline in a transaction there: the failure puts it back."""
    from simulator.core.events import DataReported
    from simulator.mqtt.auth import DeviceIdentity
    from simulator.mqtt.bridge import Bridge

    api = olt_sim.client()
    schema = {"attributes": {"t": {"type": "number"}}}
    type_id = api.post("/device-types", json={"name": "T", "schema": schema}).json()["data"]["id"]
    device_id = api.post("/devices", json={"info": {"name": "d", "deviceTypeId": type_id}}).json()["data"]["id"]
    sim, identity = olt_sim.sim, DeviceIdentity(olt_sim.tenant_id, device_id, None)
    before = olt_sim.snapshot()

    def reported(event: DataReported) -> None:
        raise Injected("a subscriber failed after the state changed")

    unsubscribe = olt_sim.call(lambda: sim.bus.subscribe(DataReported, reported))
    try:
        payload = b'{"type": "attributes", "value": {"t": 21.5}}'
        outcome = olt_sim.call(lambda: Bridge(sim)._ingest(identity, "data-ingest", payload))
    finally:
        olt_sim.call(unsubscribe)
    assert outcome == "error"
    assert api.get(f"/devices/{device_id}/state").json()["data"]["attributes"] == {}
    [entry] = api.get(f"/devices/{device_id}/last-diagnostics").json()["data"]
    assert entry["code"] == "INTERNAL_ERROR"
    after = olt_sim.snapshot()
    assert differences(before, after) == ["random", "events.diagnostics"]


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=4)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("astb"), inner, max_size=3)),
    max_leaves=12,
)
times = st.one_of(st.sampled_from(["2026-01-01T00:00:05Z", "2025-12-31T23:59:59+01:00", "yesterday"]), json_values)
uplinks = st.one_of(
    st.fixed_dictionaries(
        {
            "type": st.sampled_from(["attributes", "attributes", "configuration", "telemetry"]),
            "value": st.one_of(
                st.fixed_dictionaries({}, optional={"t": st.one_of(st.integers(), json_values), "s": json_values}),
                st.dictionaries(st.sampled_from("astb"), json_values, max_size=3),
                json_values,
            ),
        },
        optional={"time": times, "deviceId": st.sampled_from(["unknown-device", ""])},
    ),
    json_values,  # not even an envelope
)


class ServeModeWorld:
    """A simulator as `olt-sim serve` runs it (a bus that logs a subscriber's error instead of
    raising it), with one device whose type has a schema and rules jsonpath-ng can trip on."""

    def __init__(self) -> None:
        from simulator.mqtt import codec
        from simulator.mqtt.auth import DeviceIdentity
        from simulator.mqtt.bridge import Bridge
        from simulator.runtime import Simulator
        from simulator.services.device_types.inputs import NewDeviceType
        from simulator.services.devices.inputs import NewDevice
        from simulator.settings import Settings

        self.sim = sim = Simulator(Settings(clock="manual"))
        assert not sim.bus.strict
        tenant = sim.world.tenant_id
        schema = {"attributes": {"t": {"type": "number"}, "s": {}}, "configuration": {"b": {"type": "integer"}}}
        rules = [
            {"path": "$.attributes.t", "reportTo": ["timeseries"]},
            {"path": "$.attributes.s.`sub(/a/, b)`", "reportTo": ["timeseries"]},
            {"path": "$..a", "reportTo": ["timeseries"]},
        ]
        dtype = sim.device_types.create_device_type(tenant, NewDeviceType("T", schema, reporting_rules=rules))
        self.device = sim.devices.create_device(tenant, NewDevice("d", dtype.id))
        codec.prepare()
        self.bridge = Bridge(sim)
        self.identity = DeviceIdentity(tenant, self.device.id, None)


@pytest.fixture(scope="module")
def serve_mode() -> ServeModeWorld:
    return ServeModeWorld()


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(uplink=uplinks, raw=st.sampled_from([None] * 6 + [b"", b"{", b"\xff\xfe"]))
def test_an_uplink_outside_a_transaction_is_taken_whole_or_refused_whole(
    serve_mode: ServeModeWorld, uplink: Any, raw: bytes | None
) -> None:
    """In serve mode an MQTT uplink runs without a transaction (a third of its CPU): the pipeline
    refuses a message before it changes anything, and no step after the first change can fail.
    A refused message leaves the world as it was but for its diagnostics entry; none errors."""
    import json

    from simulator.core.events import DataReported

    sim, device = serve_mode.sim, serve_mode.device
    data = raw if raw is not None else json.dumps(uplink).encode()
    with sim.transaction():  # a request before the reading: the rollback hooks are on
        sim.devices.touch(sim.world.tenant_id, device.id)
    before = sim.snapshot()
    transactions: list[undo.Transaction | None] = []
    unsubscribe = sim.bus.subscribe(DataReported, lambda event: transactions.append(undo.current()))
    try:
        outcome = serve_mode.bridge._ingest(serve_mode.identity, "data-ingest", data)
    finally:
        unsubscribe()
    after = sim.snapshot()
    assert outcome in {"accepted", "invalid"}
    assert transactions == ([None] if outcome == "accepted" else [])
    if outcome == "invalid":
        assert set(differences(before, after)) <= {"events.diagnostics", "random"}
    else:
        stored = device.state.attributes if uplink["type"] == "attributes" else device.state.configuration
        assert set(uplink["value"]) <= set(stored)

    def change_then_fail() -> None:  # the hooks came off for the reading; a transaction still undoes
        with sim.transaction():
            device.state.merge("attributes", {"t": -1}, sim.clock.now())
            device.tags.append("changed")
            raise Injected("after the change")

    with pytest.raises(Injected):
        change_then_fail()
    assert differences(after, sim.snapshot()) == []
