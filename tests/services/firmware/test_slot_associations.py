"""Slot <-> firmware associations of a device type (the type's `slots` name the slots)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from simulator.testing import SimHandle

UNKNOWN = "123e4567-e89b-42d3-a456-426655440000"


def associate(api: httpx.Client, type_id: str, slot: str, firmware_id: str) -> httpx.Response:
    return api.post(f"/device-types/{type_id}/slots/{slot}/firmwares", json={"firmwareId": firmware_id})


def test_associate_list_and_remove(
    api: httpx.Client, make_type: Callable[..., str], make_firmware: Callable[..., dict[str, Any]]
) -> None:
    type_id = make_type()
    first, second = make_firmware()["id"], make_firmware()["id"]
    created = associate(api, type_id, "firmware", first)
    assert created.status_code == 201
    association = created.json()["data"]
    assert (association["deviceTypeId"], association["slotName"], association["firmwareId"]) == (
        type_id,
        "firmware",
        first,
    )
    associate(api, type_id, "firmware", second)
    associate(api, type_id, "bootloader", first)
    listed = api.get(f"/device-types/{type_id}/slots/firmware/firmwares").json()["data"]
    assert [a["firmwareId"] for a in listed] == [second, first]
    assert api.delete(f"/device-types/{type_id}/slots/firmware/firmwares/{association['id']}").status_code == 204
    assert [a["firmwareId"] for a in api.get(f"/device-types/{type_id}/slots/firmware/firmwares").json()["data"]] == [
        second
    ]
    assert api.delete(f"/device-types/{type_id}/slots/firmware/firmwares/{association['id']}").status_code == 404


def test_refusals(
    api: httpx.Client, make_type: Callable[..., str], make_firmware: Callable[..., dict[str, Any]]
) -> None:
    type_id = make_type()
    firmware_id = make_firmware()["id"]
    assert associate(api, type_id, "nope", firmware_id).status_code == 404
    assert associate(api, UNKNOWN, "firmware", firmware_id).status_code == 404
    missing = associate(api, type_id, "firmware", UNKNOWN)
    assert missing.status_code == 422
    assert missing.json()["errorCode"] == "FIRMWARE_NOT_FOUND"
    assert associate(api, type_id, "firmware", firmware_id).status_code == 201
    assert associate(api, type_id, "firmware", firmware_id).status_code == 400
    assert associate(api, type_id, "bad-name", firmware_id).status_code == 400
    assert api.get(f"/device-types/{type_id}/slots/nope/firmwares").status_code == 404
    association_id = api.get(f"/device-types/{type_id}/slots/firmware/firmwares").json()["data"][0]["id"]
    assert api.delete(f"/device-types/{type_id}/slots/bootloader/firmwares/{association_id}").status_code == 404


def test_deleted_or_expired_firmware_leaves_the_slot(
    olt_sim: SimHandle, api: httpx.Client, make_type: Callable[..., str], make_firmware: Callable[..., dict[str, Any]]
) -> None:
    type_id = make_type()
    deleted, bare, kept = make_firmware()["id"], make_firmware(blob=None)["id"], make_firmware()["id"]
    for firmware_id in (deleted, bare, kept):
        assert associate(api, type_id, "firmware", firmware_id).status_code == 201
    api.delete(f"/firmwares/{deleted}")
    olt_sim.advance(300)
    assert [a["firmwareId"] for a in api.get(f"/device-types/{type_id}/slots/firmware/firmwares").json()["data"]] == [
        kept
    ]


def test_other_tenants_cannot_use_or_see(
    api: httpx.Client,
    other_client: httpx.Client,
    make_type: Callable[..., str],
    make_firmware: Callable[..., dict[str, Any]],
) -> None:
    type_id = make_type()
    firmware_id = make_firmware()["id"]
    assert associate(other_client, type_id, "firmware", firmware_id).status_code == 404
    assert other_client.get(f"/device-types/{type_id}/slots/firmware/firmwares").status_code == 404
    foreign_firmware = make_firmware(client=other_client)["id"]
    assert associate(api, type_id, "firmware", foreign_firmware).status_code == 422


def test_readers_may_list_but_not_associate(
    olt_sim: SimHandle, api: httpx.Client, make_type: Callable[..., str], make_firmware: Callable[..., dict[str, Any]]
) -> None:
    type_id = make_type()
    reader = olt_sim.client("reader@example.com")
    assert associate(reader, type_id, "firmware", make_firmware()["id"]).status_code == 403
    assert reader.get(f"/device-types/{type_id}/slots/firmware/firmwares").json()["data"] == []
