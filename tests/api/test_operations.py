"""The endpoint table is explicit (`@operation`) and checked against the contract at startup."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from starlette.responses import JSONResponse, Response

from contracts import spec
from simulator.api import dispatch
from simulator.api.call import Call
from simulator.api.dispatch import build_routes
from simulator.api.operations import EndpointTableError, collect_endpoints, endpoint_modules, operation
from simulator.runtime import Simulator

OPERATIONS = {"getDevice", "deleteDevice"}


def module(*functions: Callable[..., Any]) -> ModuleType:
    made = ModuleType("fake.endpoints")
    for function in functions:
        function.__module__ = made.__name__
        setattr(made, function.__name__, function)
    return made


@operation("getDevice")
async def get_device(call: Call) -> Response:
    return Response()


@operation("deleteDevice")
async def delete_device(call: Call) -> JSONResponse:
    return JSONResponse({})


async def helper(call: Call) -> Response:  # not decorated: a helper, never an endpoint
    return Response()


def problems(*functions: Callable[..., Any], operations: set[str] = OPERATIONS) -> str:
    with pytest.raises(EndpointTableError) as caught:
        collect_endpoints([module(*functions)], operations)
    return str(caught.value)


def test_a_correct_table_maps_each_operation_to_its_function() -> None:
    found = collect_endpoints([module(get_device, delete_device, helper)], OPERATIONS)
    assert found == {"getDevice": get_device, "deleteDevice": delete_device}


def test_an_operation_the_contract_does_not_have_is_refused() -> None:
    @operation("getDevices2")
    async def typo(call: Call) -> Response:
        return Response()

    assert "names 'getDevices2', which is not a contract operation" in problems(get_device, delete_device, typo)


def test_an_operation_served_twice_is_refused() -> None:
    @operation("getDevice")
    async def again(call: Call) -> Response:
        return Response()

    assert "both serve getDevice" in problems(get_device, delete_device, again)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def f(call: Call) -> Response: ...", "is not an async def"),
        ("async def f(call: Call, extra: int) -> Response: ...", "exactly one parameter"),
        ("async def f(*, call: Call) -> Response: ...", "exactly one parameter"),
        ("async def f(call: dict) -> Response: ...", "must take (call: Call)"),
        ("async def f(call: Call) -> dict: ...", "must return a Response"),
        ("async def f(call: Call) -> Nowhere: ...", "do not resolve"),
    ],
)
def test_a_wrong_signature_is_refused(source: str, message: str) -> None:
    namespace: dict[str, Any] = {"Call": Call, "Response": Response}
    exec(f"from __future__ import annotations\n{source}", namespace)
    wrong = operation("getDevice")(namespace["f"])
    assert inspect.isfunction(wrong)
    assert message in problems(wrong, delete_device)


def test_a_contract_operation_without_an_endpoint_is_refused() -> None:
    assert "operations without an endpoint" in problems(get_device)
    assert "'deleteDevice'" in problems(get_device)
    collect_endpoints([module(get_device)], OPERATIONS, not_served={"deleteDevice"})  # unless declared


def test_every_contract_operation_has_exactly_one_named_endpoint() -> None:
    routes = build_routes()
    assert set(routes) == {op.operation_id for op in spec.operations()}
    for operation_id, route in routes.items():
        assert route.endpoint is None or getattr(route.endpoint, "operation_id", None) == operation_id


def test_endpoint_modules_cover_services_and_identity() -> None:
    names = {m.__name__ for m in endpoint_modules()}
    assert {"simulator.services.devices.endpoints", "simulator.identity.endpoints"} <= names


@operation("getDevices")
async def misnamed(call: Call) -> Response:
    return Response()


@operation("getDeviceState")
def not_async(call: Call) -> Response:
    return Response()


DEVICES = "simulator.services.devices.endpoints"


@pytest.mark.parametrize(
    ("stray", "instead_of", "message"),
    [
        (misnamed, None, "getDevices"),
        (get_device, None, "both serve getDevice"),
        (not_async, DEVICES, "is not an async def"),
    ],
    ids=["unknown operation", "served twice", "wrong signature"],
)
def test_the_app_does_not_start_with_a_wrong_table(
    monkeypatch: pytest.MonkeyPatch, stray: Callable[..., Any], instead_of: str | None, message: str
) -> None:
    """The check runs where the simulator builds its routes, so `olt-sim serve` and the fixtures refuse too."""
    kept = [m for m in endpoint_modules() if m.__name__ != instead_of]
    monkeypatch.setattr(dispatch, "endpoint_modules", lambda: [*kept, module(stray)])
    with pytest.raises(EndpointTableError) as caught:
        dispatch.Dispatcher(Simulator())
    assert message in str(caught.value)
