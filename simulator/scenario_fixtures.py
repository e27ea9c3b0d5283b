"""Helpers behind the pytest plugin's scenario marker and factory fixtures (the plugin stays thin).

@pytest.mark.olt_scenario("scenarios/smart-office.toml")         # seed=..., transport=...
def test_luminaires(olt_sim): runner = olt_sim.scenario; olt_sim.advance(600) ...

def test_state(olt_sim, make_device_type, make_device):
    dtype = make_device_type(schema={"attributes": {"on": {"type": "boolean"}}})
    device = make_device(dtype, name="Lamp")        # both are the API's JSON for the resource
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.handles import start_scenario
from simulator.scenario_lookup import find_scenario
from simulator.services.device_types.inputs import NewDeviceType
from simulator.services.devices.inputs import NewDevice

if TYPE_CHECKING:
    import pytest

    from simulator.scenario.runner import ScenarioRunner
    from simulator.testing import SimHandle

DEFAULT_SCHEMA: dict[str, Any] = {
    "attributes": {"temperature": {"type": "number"}, "humidity": {"type": "number", "minimum": 0, "maximum": 100}},
    "configuration": {"interval": {"type": "integer", "minimum": 1}},
    "events": {"alarm": {}},
    "actions": {"reboot": {}},
}


def scenario_path(request: pytest.FixtureRequest, path: str | Path) -> Path:
    """A marker's scenario: a bundled name, else a path relative to the test file, the working directory,
    else the pytest root."""
    found = find_scenario(path, Path(request.path).parent)
    return found if found.exists() else Path(request.config.rootpath) / path


def start_marked_scenario(request: pytest.FixtureRequest, handle: SimHandle) -> ScenarioRunner | None:
    """Apply the test's `olt_scenario` marker (if any) to the handle's simulator; set `handle.scenario`."""
    marker = request.node.get_closest_marker("olt_scenario")
    handle.scenario = None
    if marker is None:
        return None
    path = marker.args[0] if marker.args else marker.kwargs.get("path")
    if path is None:
        raise ValueError('olt_scenario needs a scenario: @pytest.mark.olt_scenario("smart-office") or a file path')
    runner: ScenarioRunner = start_scenario(
        handle, scenario_path(request, path), seed=marker.kwargs.get("seed"), transport=marker.kwargs.get("transport")
    )
    return runner


def stop_scenario(handle: SimHandle) -> None:
    runner = handle.scenario
    if runner is not None:
        handle.call(runner.stop)
        handle.scenario = None


class DeviceTypeFactory:
    """`make_device_type(name=None, schema=None, tenant=None, **api_fields)` -> the type as the API shows it."""

    def __init__(self, handle: SimHandle) -> None:
        self.handle = handle
        self.made = 0

    def __call__(
        self, name: str | None = None, schema: dict[str, Any] | None = None, *, tenant: str | None = None, **fields: Any
    ) -> dict[str, Any]:
        self.made += 1
        body = {
            "name": name or f"Test device type {self.made}",
            "schema": DEFAULT_SCHEMA if schema is None else schema,
            **fields,
        }
        tenant_id = tenant or self.handle.tenant_id
        new = NewDeviceType.from_api(body)  # the fixture takes the API's field names
        return created(
            self.handle,
            "/device-types",
            body,
            tenant_id,
            lambda: self.handle.sim.device_types.create_device_type(tenant_id, new).to_api(),
        )


class DeviceFactory:
    """`make_device(device_type=None, name=None, tenant=None, configuration=None, custom=None, **info)`.

    `device_type` is a type id or what `make_device_type` returned; without one, a default type
    (DEFAULT_SCHEMA) is made once per test. `info` takes the API's info fields (tags, aliases,
    connectedBy, location ...).
    """

    def __init__(self, handle: SimHandle, types: DeviceTypeFactory) -> None:
        self.handle, self.types = handle, types
        self.made = 0
        self._default: dict[str, str] = {}  # tenant -> default type id

    def __call__(
        self,
        device_type: str | dict[str, Any] | None = None,
        name: str | None = None,
        *,
        tenant: str | None = None,
        configuration: dict[str, Any] | None = None,
        custom: dict[str, Any] | None = None,
        **info: Any,
    ) -> dict[str, Any]:
        tenant_id = tenant or self.handle.tenant_id
        if device_type is None:
            if tenant_id not in self._default:
                self._default[tenant_id] = self.types(tenant=tenant_id)["id"]
            type_id = self._default[tenant_id]
        else:
            type_id = device_type["id"] if isinstance(device_type, dict) else device_type
        self.made += 1
        body: dict[str, Any] = {"info": {"name": name or f"Test device {self.made}", "deviceTypeId": type_id, **info}}
        if configuration is not None:
            body["configuration"] = configuration
        if custom is not None:
            body["custom"] = custom
        new = NewDevice.from_api(body)  # the fixture takes the API's field names
        return created(
            self.handle,
            "/devices",
            body,
            tenant_id,
            lambda: self.handle.sim.devices.create_device(tenant_id, new).to_api(),
        )


def created(handle: Any, path: str, body: dict[str, Any], tenant_id: str, local: Callable[[], Any]) -> dict[str, Any]:
    """Make a resource through the backend in-process, else (a simulator or deployment elsewhere) through the API."""
    if hasattr(handle, "loop_thread"):
        made: dict[str, Any] = handle.call(local)
        return made
    token = handle.token(tenant=tenant_id) if tenant_id != handle.tenant_id else "owner"
    response = handle.client(token).post(path, json=body)
    response.raise_for_status()
    return dict(response.json()["data"])


def handle_for(request: pytest.FixtureRequest) -> SimHandle:
    """The simulator the test uses: olt_sim_server when it asked for it, else olt_sim."""
    name = "olt_sim_server" if "olt_sim_server" in request.fixturenames else "olt_sim"
    handle: SimHandle = request.getfixturevalue(name)
    return handle
