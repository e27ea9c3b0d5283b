"""The audit log records successful mutating calls of the tenant; CSV export carries every entry."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from simulator.services.audit.models import COLUMNS, describe_operation, wants_csv
from simulator.testing import SimHandle


@pytest.fixture
def api(olt_sim: SimHandle) -> httpx.Client:
    return olt_sim.client()


def entries(api: httpx.Client) -> list[dict[str, str]]:
    response = api.get("/audit-logs", params={"pageSize": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def test_mutations_are_logged_newest_first(olt_sim: SimHandle, api: httpx.Client) -> None:
    firmware_id = api.post("/firmwares", json={"name": "fw"}).json()["data"]["id"]
    olt_sim.advance(5)
    api.delete(f"/firmwares/{firmware_id}")
    logged = entries(api)
    assert [e["action"] for e in logged] == ["firmware.deleted", "firmware.created"]
    deleted = logged[0]
    owner = olt_sim.world.users["owner@example.com"]
    assert (deleted["userId"], deleted["userEmail"], deleted["tenantId"]) == (
        owner,
        "owner@example.com",
        olt_sim.tenant_id,
    )
    assert (deleted["resourceType"], deleted["resourceId"]) == ("firmware", firmware_id)
    assert deleted["timestamp"] == "2026-01-01T00:00:05.000Z"
    assert deleted["message"] == (
        f"User owner@example.com (ID {owner}) deleted firmware (ID {firmware_id}) in tenant (ID {olt_sim.tenant_id})."
    )


def test_reads_and_failed_calls_are_not_logged(api: httpx.Client) -> None:
    api.get("/firmwares")
    api.post("/firmwares", json={})
    api.delete("/firmwares/123e4567-e89b-42d3-a456-426655440000")
    assert entries(api) == []


def test_csv_export_has_a_header_and_every_entry(api: httpx.Client) -> None:
    for i in range(25):
        api.post("/firmwares", json={"name": f'fw, "quoted" {i}'})
    json_entries = entries(api)
    response = api.get("/audit-logs", headers={"Accept": "text/csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 26
    parsed = [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]
    assert parsed == [{k: (v if v is not None else "") for k, v in e.items()} for e in json_entries]


def test_csv_of_an_empty_log_is_just_the_header(api: httpx.Client) -> None:
    assert api.get("/audit-logs", headers={"Accept": "text/csv"}).text.splitlines() == [",".join(COLUMNS)]


def test_tenants_see_only_their_own_log(olt_sim: SimHandle, api: httpx.Client) -> None:
    api.post("/firmwares", json={"name": "fw"})
    sim = olt_sim.sim
    tenant = olt_sim.call(lambda: sim.tenants.create_tenant("Other", sim.world.owner_user_id))
    other = olt_sim.client(olt_sim.token(tenant=tenant.id))
    assert entries(other) == []
    other.post("/firmwares", json={"name": "fw"})
    assert [e["tenantId"] for e in entries(other)] == [tenant.id]
    assert len(entries(api)) == 1


def test_paging(api: httpx.Client) -> None:
    for _ in range(3):
        api.post("/firmwares", json={"name": "fw"})
    body = api.get("/audit-logs", params={"pageSize": 2, "page": 1}).json()
    assert body["meta"] == {"page": 1, "pageSize": 2, "itemsTotal": 3, "pagesTotal": 2}
    assert len(body["data"]) == 1
    assert api.get("/audit-logs", params={"pageSize": 101}).status_code == 400


@pytest.mark.parametrize(
    ("operation_id", "action", "phrase"),
    [
        ("createDevice", "device.created", "created device"),
        ("deleteDeviceCertificate", "device_certificate.deleted", "deleted device certificate"),
        ("addAllowedTenant", "allowed_tenant.added", "added allowed tenant"),
        ("ingestEvent", "event.ingested", "ingested event"),
        ("regenerateApplicationSecret", "application_secret.regenerated", "regenerated application secret"),
    ],
)
def test_operation_ids_become_actions(operation_id: str, action: str, phrase: str) -> None:
    assert describe_operation(operation_id) == (action, phrase)


@pytest.mark.parametrize(
    ("accept", "csv_wanted"),
    [
        (None, False),
        ("", False),
        ("application/json", False),
        ("*/*", False),
        ("text/csv", True),
        ("text/*", True),
        ("text/csv;q=0.5, application/json", False),
        ("application/json;q=0.2, text/csv", True),
        ("text/csv;q=bogus, application/json", False),
        ("text/html", False),
    ],
)
def test_accept_negotiation(accept: str | None, csv_wanted: bool) -> None:
    assert wants_csv(accept) is csv_wanted
