"""Firmware installations: the install request reaches the bus (MQTT's source), progress sets the status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from contracts import spec
from simulator.core.events import DomainEvent, FirmwareInstallationRequested
from simulator.testing import SimHandle

UNKNOWN = "123e4567-e89b-42d3-a456-426655440000"


class Setup:
    def __init__(self, type_id: str, device_id: str, firmware: dict[str, Any]) -> None:
        self.type_id, self.device_id, self.firmware = type_id, device_id, firmware

    @property
    def path(self) -> str:
        return f"/devices/{self.device_id}/firmware-installations"


@pytest.fixture
def setup(
    api: httpx.Client,
    make_type: Callable[..., str],
    make_device: Callable[[str], str],
    make_firmware: Callable[..., dict[str, Any]],
) -> Setup:
    type_id = make_type()
    firmware = make_firmware(name="Switch fw", version="3.2.1")
    for slot in ("firmware", "bootloader"):
        response = api.post(f"/device-types/{type_id}/slots/{slot}/firmwares", json={"firmwareId": firmware["id"]})
        assert response.status_code == 201
    return Setup(type_id, make_device(type_id), firmware)


def install(api: httpx.Client, setup: Setup, slot: str = "firmware", firmware_id: str | None = None) -> httpx.Response:
    return api.post(setup.path, json={"firmwareId": firmware_id or setup.firmware["id"], "slot": slot})


def test_create_publishes_the_installation_message(
    api: httpx.Client, setup: Setup, bus_events: list[DomainEvent]
) -> None:
    response = install(api, setup)
    assert response.status_code == 201
    installation = response.json()["data"]
    assert installation["status"] == "pending"
    assert installation["startedAt"] is installation["completedAt"] is installation["rejectedAt"] is None
    requested = [e for e in bus_events if isinstance(e, FirmwareInstallationRequested)]
    assert len(requested) == 1
    assert requested[0].device_id == setup.device_id
    assert requested[0].message == {
        "installationId": installation["id"],
        "firmwareId": setup.firmware["id"],
        "slot": "firmware",
        "name": "Switch fw",
        "version": "3.2.1",
        "downloadLink": setup.firmware["downloadLink"],
    }
    assert not list(
        spec.validator("#/components/schemas/FirmwareInstallationMessage", "asyncapi").iter_errors(requested[0].message)
    )


def test_installation_needs_an_associated_firmware_with_blob_in_an_existing_slot(
    api: httpx.Client, setup: Setup, make_firmware: Callable[..., dict[str, Any]], bus_events: list[DomainEvent]
) -> None:
    assert install(api, setup, slot="nope").status_code == 400
    unassociated = make_firmware()["id"]
    assert install(api, setup, firmware_id=unassociated).status_code == 400
    bare = make_firmware(blob=None)["id"]
    api.post(f"/device-types/{setup.type_id}/slots/firmware/firmwares", json={"firmwareId": bare})
    assert install(api, setup, firmware_id=bare).status_code == 400
    assert install(api, setup, firmware_id=UNKNOWN).status_code == 404
    assert (
        api.post(
            f"/devices/{UNKNOWN}/firmware-installations", json={"firmwareId": setup.firmware["id"], "slot": "firmware"}
        ).status_code
        == 404
    )
    assert not [e for e in bus_events if isinstance(e, FirmwareInstallationRequested)]


@pytest.mark.parametrize(
    ("progress", "status"),
    [
        ({"startedAt": "2026-01-01T00:00:05Z"}, "started"),
        ({"startedAt": "2026-01-01T00:00:05Z", "completedAt": "2026-01-01T00:01:00.5+00:00"}, "completed"),
        (
            {"startedAt": "2026-01-01T00:00:05Z", "rejectedAt": "2026-01-01T00:00:06Z", "rejectReason": "flash full"},
            "rejected",
        ),
    ],
)
def test_status_follows_the_timestamps(api: httpx.Client, setup: Setup, progress: dict[str, str], status: str) -> None:
    installation_id = install(api, setup).json()["data"]["id"]
    response = api.patch(f"{setup.path}/{installation_id}", json=progress)
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == status
    assert data["startedAt"] == "2026-01-01T00:00:05.000Z"
    assert api.get(f"{setup.path}/{installation_id}").json()["data"] == data


def test_progress_patches_keep_earlier_values(api: httpx.Client, setup: Setup) -> None:
    installation_id = install(api, setup).json()["data"]["id"]
    api.patch(f"{setup.path}/{installation_id}", json={"startedAt": "2026-01-01T00:00:05Z"})
    data = api.patch(
        f"{setup.path}/{installation_id}",
        json={"startedAt": "2026-01-01T00:00:05Z", "completedAt": "2026-01-01T00:02:00Z"},
    ).json()["data"]
    assert (data["status"], data["completedAt"]) == ("completed", "2026-01-01T00:02:00.000Z")


@pytest.mark.parametrize(
    "progress",
    [
        {},
        {"completedAt": "2026-01-01T00:01:00Z"},
        {
            "startedAt": "2026-01-01T00:00:05Z",
            "completedAt": "2026-01-01T00:01:00Z",
            "rejectedAt": "2026-01-01T00:01:00Z",
        },
        {"startedAt": "2026-01-01T00:00:05Z", "completedAt": "2026-01-01T00:00:04Z"},
        {"startedAt": "2026-01-01T00:00:05Z", "rejectReason": "why"},
        {"startedAt": "yesterday"},
        {"startedAt": "2026-01-01T00:00:05Z", "rejectReason": "x" * 256, "rejectedAt": "2026-01-01T00:00:06Z"},
    ],
)
def test_inconsistent_progress_is_refused(api: httpx.Client, setup: Setup, progress: dict[str, str]) -> None:
    installation_id = install(api, setup).json()["data"]["id"]
    assert api.patch(f"{setup.path}/{installation_id}", json=progress).status_code == 400
    assert api.get(f"{setup.path}/{installation_id}").json()["data"]["status"] == "pending"


def test_list_newest_first_and_latest_only(olt_sim: SimHandle, api: httpx.Client, setup: Setup) -> None:
    def run(slot: str, completed: str | None) -> str:
        installation_id = str(install(api, setup, slot).json()["data"]["id"])
        if completed:
            body = {"startedAt": "2026-01-01T00:00:00Z", "completedAt": completed}
            assert api.patch(f"{setup.path}/{installation_id}", json=body).status_code == 200
        olt_sim.advance(1)
        return installation_id

    late = run("firmware", "2026-01-02T00:00:00Z")
    early = run("firmware", "2026-01-01T12:00:00Z")  # created later, completed earlier
    pending = run("firmware", None)
    boot = run("bootloader", "2026-01-01T01:00:00Z")
    everything = api.get(setup.path).json()["data"]
    assert [i["id"] for i in everything] == [boot, pending, early, late]
    latest = api.get(setup.path, params={"latestOnly": "true"}).json()["data"]
    assert [i["id"] for i in latest] == [boot, late]


def test_unknown_ids_and_other_tenants(api: httpx.Client, other_client: httpx.Client, setup: Setup) -> None:
    installation_id = install(api, setup).json()["data"]["id"]
    assert api.get(f"{setup.path}/{UNKNOWN}").status_code == 404
    assert api.get(f"/devices/{UNKNOWN}/firmware-installations").status_code == 404
    assert other_client.get(f"{setup.path}/{installation_id}").status_code == 404
    assert other_client.get(setup.path).status_code == 404
    assert (
        other_client.patch(f"{setup.path}/{installation_id}", json={"startedAt": "2026-01-01T00:00:00Z"}).status_code
        == 404
    )


def test_deleting_the_device_drops_its_installations(olt_sim: SimHandle, api: httpx.Client, setup: Setup) -> None:
    install(api, setup)
    assert api.delete(f"/devices/{setup.device_id}").status_code == 204
    remaining = olt_sim.call(lambda: olt_sim.sim.state.firmware.installations.get(olt_sim.tenant_id, {}))
    assert setup.device_id not in remaining
