"""Certificates: PEM parsing, fingerprints, one device per certificate, status changes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from simulator.core.events import CertificateInvalidated, DomainEvent
from simulator.testing import SimHandle

NewCert = Callable[..., tuple[str, bytes]]


def test_create_parses_the_certificate(api: httpx.Client, make_device: Callable[..., Any], new_cert: NewCert) -> None:
    device = make_device()
    pem, der = new_cert("Bulb-7")
    response = api.post(f"/devices/{device['id']}/certificates", json={"cert": pem})
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["fingerprint"] == hashlib.sha256(der).hexdigest()
    assert data["status"] == "valid" and data["deviceId"] == device["id"] and data["cert"] == pem
    assert data["subject"] == "CN=Bulb-7,O=My-Tenant"
    assert (data["validFrom"], data["validTo"]) == ("2025-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z")
    assert api.get(f"/devices/{device['id']}/certificates/{data['id']}").json()["data"] == data


@pytest.mark.parametrize("garbage", ["hello", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"])
def test_garbage_is_a_400(api: httpx.Client, make_device: Callable[..., Any], garbage: str) -> None:
    device = make_device()
    response = api.post(f"/devices/{device['id']}/certificates", json={"cert": garbage})
    assert response.status_code == 400 and response.json()["errorCode"] == "INVALID_CERTIFICATE"


def test_one_device_per_certificate(
    api: httpx.Client,
    make_device: Callable[..., Any],
    new_cert: NewCert,
    other_client: httpx.Client,
    make_type: Callable[..., Any],
) -> None:
    first, second = make_device(), make_device()
    pem, _ = new_cert()
    assert api.post(f"/devices/{first['id']}/certificates", json={"cert": pem}).status_code == 201
    for device in (second, first):
        assert api.post(f"/devices/{device['id']}/certificates", json={"cert": pem}).status_code == 409
    foreign = make_device(other_client, type_id=make_type(other_client)["id"])
    assert other_client.post(f"/devices/{foreign['id']}/certificates", json={"cert": pem}).status_code == 409


def test_list_is_newest_first_and_paged(api: httpx.Client, make_device: Callable[..., Any], new_cert: NewCert) -> None:
    device, other = make_device(), make_device()
    url = f"/devices/{device['id']}/certificates"
    made = [
        api.post(url, json={"cert": new_cert()[0], "status": s}).json()["data"] for s in ("valid", "inactive", "valid")
    ]
    api.post(f"/devices/{other['id']}/certificates", json={"cert": new_cert()[0]})
    body = api.get(url, params={"pageSize": 2}).json()
    assert [c["id"] for c in body["data"]] == [made[2]["id"], made[1]["id"]]
    assert body["meta"] == {"page": 0, "pageSize": 2, "itemsTotal": 3, "pagesTotal": 2}
    assert made[1]["status"] == "inactive"


def test_status_changes_and_find_valid(
    olt_sim: SimHandle,
    api: httpx.Client,
    make_device: Callable[..., Any],
    new_cert: NewCert,
    bus_events: list[DomainEvent],
) -> None:
    device = make_device()
    pem, der = new_cert()
    cert = api.post(f"/devices/{device['id']}/certificates", json={"cert": pem}).json()["data"]
    url = f"/devices/{device['id']}/certificates/{cert['id']}"
    fingerprint = hashlib.sha256(der).hexdigest()
    find = olt_sim.sim.certificates.find_valid
    assert olt_sim.call(lambda: find(fingerprint)).device_id == device["id"]
    colons = ":".join(fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    assert olt_sim.call(lambda: find(colons)).id == cert["id"]
    assert api.patch(url, json={}).json()["data"]["status"] == "valid"
    assert api.patch(url, json={"status": "revoked"}).json()["data"]["status"] == "revoked"
    assert olt_sim.call(lambda: find(fingerprint)) is None
    api.patch(url, json={"status": "inactive"})  # not valid before either: nothing to drop
    assert api.patch(url, json={"status": "valid"}).status_code == 200
    assert olt_sim.call(lambda: find(fingerprint)) is not None
    assert api.patch(url, json={"status": "stolen"}).status_code == 400
    assert api.delete(url).status_code == 204
    assert olt_sim.call(lambda: find(fingerprint)) is None
    assert api.get(url).status_code == 404 and api.delete(url).status_code == 404
    invalidated = [e for e in bus_events if isinstance(e, CertificateInvalidated)]
    assert [(e.device_id, e.fingerprint) for e in invalidated] == [(device["id"], fingerprint)] * 2
    # the same certificate may be registered again once it is gone
    assert api.post(f"/devices/{device['id']}/certificates", json={"cert": pem}).status_code == 201


def test_in_process_helper_and_wrong_device(
    olt_sim: SimHandle, api: httpx.Client, make_device: Callable[..., Any], new_cert: NewCert
) -> None:
    device, other = make_device(), make_device()
    pem, _ = new_cert()
    cert = olt_sim.call(
        lambda: olt_sim.sim.certificates.create_certificate(olt_sim.tenant_id, device["id"], pem, "inactive")
    )
    assert (
        cert.status == "inactive"
        and olt_sim.call(lambda: olt_sim.sim.certificates.find_valid(cert.fingerprint)) is None
    )
    assert api.get(f"/devices/{other['id']}/certificates/{cert.id}").status_code == 404
    assert api.get(f"/devices/{device['id']}/certificates/{cert.id}").status_code == 200
    missing = "00000000-0000-4000-8000-000000000000"
    assert api.post(f"/devices/{missing}/certificates", json={"cert": pem}).status_code == 404
    assert api.get(f"/devices/{missing}/certificates").status_code == 404
