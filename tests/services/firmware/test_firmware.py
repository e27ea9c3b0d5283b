"""Firmware metadata and its one blob: create, list, attach once (423), download via 302, expiry."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.testing import SimHandle


def upload(client: httpx.Client, firmware_id: str, data: bytes) -> httpx.Response:
    return client.put(
        f"/firmwares/{firmware_id}/blob", content=data, headers={"Content-Type": "application/octet-stream"}
    )


def test_create_returns_metadata_with_blob_fields_unset(api: httpx.Client) -> None:
    response = api.post("/firmwares", json={"name": "Lamp firmware", "description": "dimming fix", "version": "2.1"})
    assert response.status_code == 201
    data = response.json()["data"]
    assert (data["name"], data["description"], data["version"]) == ("Lamp firmware", "dimming fix", "2.1")
    assert data["size"] is data["checksum"] is data["contentType"] is data["downloadLink"] is None
    assert api.get(f"/firmwares/{data['id']}").json()["data"] == data


def test_name_is_required_and_bounded(api: httpx.Client) -> None:
    assert api.post("/firmwares", json={"version": "1"}).status_code == 400
    assert api.post("/firmwares", json={"name": ""}).status_code == 400
    assert api.post("/firmwares", json={"name": "x" * 256}).status_code == 400


def test_list_is_newest_first_and_paged(api: httpx.Client, make_firmware: Callable[..., dict[str, Any]]) -> None:
    ids = [make_firmware(name=f"fw{i}")["id"] for i in range(3)]
    body = api.get("/firmwares", params={"pageSize": 2}).json()
    assert [f["id"] for f in body["data"]] == ids[::-1][:2]
    assert body["meta"] == {"page": 0, "pageSize": 2, "itemsTotal": 3, "pagesTotal": 2}
    assert [f["id"] for f in api.get("/firmwares", params={"page": 1, "pageSize": 2}).json()["data"]] == ids[:1]


def test_blob_fills_the_fields_and_can_be_attached_only_once(api: httpx.Client) -> None:
    firmware_id = api.post("/firmwares", json={"name": "fw"}).json()["data"]["id"]
    data = bytes(range(256)) * 4
    response = upload(api, firmware_id, data)
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["size"] == 1024
    assert body["checksum"] == hashlib.sha256(data).hexdigest()
    assert body["contentType"] == "application/octet-stream"
    assert body["downloadLink"].endswith(f"/v1/firmwares/{firmware_id}/blob/content")
    again = upload(api, firmware_id, b"other")
    assert again.status_code == 423
    assert again.json()["errorCode"] == "BLOB_LOCKED"
    assert api.get(f"/firmwares/{firmware_id}").json()["data"]["checksum"] == hashlib.sha256(data).hexdigest()


def test_upload_refuses_empty_and_non_binary_bodies(api: httpx.Client) -> None:
    firmware_id = api.post("/firmwares", json={"name": "fw"}).json()["data"]["id"]
    assert upload(api, firmware_id, b"").status_code == 400
    assert api.put(f"/firmwares/{firmware_id}/blob", json={"a": 1}).status_code == 415
    assert upload(api, "123e4567-e89b-42d3-a456-426655440000", b"x").status_code == 404


def test_download_redirects_to_a_link_serving_the_bytes(
    olt_sim: SimHandle, api: httpx.Client, make_firmware: Callable[..., dict[str, Any]]
) -> None:
    firmware = make_firmware(blob=b"binary \x00\xff payload")
    response = api.get(f"/firmwares/{firmware['id']}/blob")
    assert response.status_code == 302
    assert response.headers["location"] == firmware["downloadLink"]
    content = olt_sim.control().get(urlsplit(firmware["downloadLink"]).path)  # no bearer token needed
    assert content.status_code == 200
    assert content.content == b"binary \x00\xff payload"
    assert content.headers["content-type"] == "application/octet-stream"


def test_download_without_blob_is_not_found(api: httpx.Client, make_firmware: Callable[..., dict[str, Any]]) -> None:
    firmware = make_firmware(blob=None)
    assert api.get(f"/firmwares/{firmware['id']}/blob").status_code == 404


def test_firmware_without_blob_is_discarded_after_five_minutes(
    olt_sim: SimHandle, api: httpx.Client, make_firmware: Callable[..., dict[str, Any]]
) -> None:
    bare = make_firmware(blob=None)
    kept = make_firmware()
    olt_sim.advance(299)
    assert api.get(f"/firmwares/{bare['id']}").status_code == 200
    olt_sim.advance(1)
    assert api.get(f"/firmwares/{bare['id']}").status_code == 404
    assert upload(api, bare["id"], b"late").status_code == 404
    assert [f["id"] for f in api.get("/firmwares").json()["data"]] == [kept["id"]]
    olt_sim.advance(86_400)
    assert api.get(f"/firmwares/{kept['id']}").status_code == 200


def test_delete_removes_firmware_and_blob(
    olt_sim: SimHandle, api: httpx.Client, make_firmware: Callable[..., dict[str, Any]]
) -> None:
    firmware = make_firmware()
    assert api.delete(f"/firmwares/{firmware['id']}").status_code == 204
    assert api.get(f"/firmwares/{firmware['id']}").status_code == 404
    assert api.delete(f"/firmwares/{firmware['id']}").status_code == 404
    assert olt_sim.control().get(urlsplit(firmware["downloadLink"]).path).status_code == 404


def test_other_tenants_see_nothing(
    api: httpx.Client, other_client: httpx.Client, make_firmware: Callable[..., dict[str, Any]]
) -> None:
    firmware = make_firmware()
    assert other_client.get(f"/firmwares/{firmware['id']}").status_code == 404
    assert other_client.get(f"/firmwares/{firmware['id']}/blob").status_code == 404
    assert other_client.delete(f"/firmwares/{firmware['id']}").status_code == 404
    assert other_client.get("/firmwares").json()["data"] == []


def test_readers_cannot_write(olt_sim: SimHandle) -> None:
    reader = olt_sim.client("reader@example.com")
    assert reader.post("/firmwares", json={"name": "fw"}).status_code == 403
    assert reader.get("/firmwares").status_code == 200


def test_state_survives_snapshot_and_restore(
    olt_sim: SimHandle, api: httpx.Client, make_firmware: Callable[..., dict[str, Any]]
) -> None:
    firmware = make_firmware(blob=b"\x00\x01\x02")
    snapshot = olt_sim.call(olt_sim.sim.snapshot)
    olt_sim.reset()
    assert api.get(f"/firmwares/{firmware['id']}").status_code == 404
    olt_sim.call(lambda: olt_sim.sim.restore(snapshot))
    assert api.get(f"/firmwares/{firmware['id']}").json()["data"] == firmware


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=1, max_size=4096))
def test_any_bytes_round_trip(olt_sim: SimHandle, data: bytes) -> None:
    api = olt_sim.client()
    firmware_id = api.post("/firmwares", json={"name": "fw"}).json()["data"]["id"]
    body = upload(api, firmware_id, data).json()["data"]
    assert (body["size"], body["checksum"]) == (len(data), hashlib.sha256(data).hexdigest())
    assert olt_sim.control().get(urlsplit(body["downloadLink"]).path).content == data
