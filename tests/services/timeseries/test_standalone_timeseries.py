"""The standalone /timeseries resource: CRUD, data points, reads, and the async file requests."""

from __future__ import annotations

from typing import Any

import httpx

from simulator.testing import SimHandle
from tests.services.ingest.pipeline_helpers import other_tenant_client


def create(
    client: httpx.Client,
    name: str = "meter",
    data_type: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "dataType": data_type or {"type": "number", "minimum": 0}}
    if metadata is not None:
        body["metadata"] = metadata
    response = client.post("/timeseries", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def add(client: httpx.Client, ts: str, *points: tuple[str | None, Any]) -> httpx.Response:
    data = [{"value": v} if t is None else {"time": t, "value": v} for t, v in points]
    return client.post(f"/timeseries/{ts}/data-points", json={"data": data})


def test_crud_and_list_filters(olt_sim: SimHandle) -> None:
    client = olt_sim.client()
    north = create(client, "north", metadata={"site": "north", "floor": 3, "main": True})
    south = create(client, "south", metadata={"site": "south"})
    assert north["metadata"] == {"site": "north", "floor": 3, "main": True}
    listed = client.get("/timeseries").json()
    assert [t["id"] for t in listed["data"]] == [south["id"], north["id"]]
    assert listed["meta"]["itemsTotal"] == 2
    by_id = client.get("/timeseries", params={"timeseriesIds": north["id"]}).json()["data"]
    assert [t["name"] for t in by_id] == ["north"]
    by_meta = client.get("/timeseries", params={"metadata[floor]": "3", "metadata[main]": "true"}).json()["data"]
    assert [t["name"] for t in by_meta] == ["north"]
    assert client.get("/timeseries", params={"metadata[site]": "east"}).json()["data"] == []
    olt_sim.advance(5)
    patched = client.patch(f"/timeseries/{north['id']}", json={"name": "n", "metadata": {"site": "n"}}).json()["data"]
    assert patched["name"] == "n" and patched["metadata"] == {"site": "n"}
    assert patched["updatedAt"] > patched["createdAt"] and patched["dataType"] == north["dataType"]
    assert client.get(f"/timeseries/{north['id']}").json()["data"] == patched
    assert client.delete(f"/timeseries/{north['id']}").status_code == 204
    assert client.get(f"/timeseries/{north['id']}").status_code == 404
    assert client.post("/timeseries", json={"name": "bad", "dataType": {"type": "nope"}}).status_code == 400


def test_data_points_are_validated_against_data_type(olt_sim: SimHandle) -> None:
    client = olt_sim.client()
    ts = create(client)["id"]
    refused = add(client, ts, ("2025-12-31T23:00:00Z", 1), (None, -5), (None, "x"))
    assert refused.status_code == 400
    assert [d["path"] for d in refused.json()["details"]] == ["data.1.value", "data.2.value"]
    assert client.get(f"/timeseries/{ts}/last-data-points").json()["data"] == []  # all or nothing
    stored = add(client, ts, ("2025-12-31T23:30:00Z", 1.5), (None, 2))
    assert stored.status_code == 201
    assert stored.json()["data"] == [
        {"time": "2025-12-31T23:30:00.000Z", "value": 1.5},
        {"time": "2026-01-01T00:00:00.000Z", "value": 2},  # default: the clock's now
    ]


def test_last_hour_and_delete_by_range(olt_sim: SimHandle) -> None:
    client = olt_sim.client()
    ts = create(client)["id"]
    add(
        client,
        ts,
        ("2025-12-31T22:30:00Z", 1),
        ("2025-12-31T23:10:00Z", 2),
        ("2025-12-31T23:20:00Z", 3),
        ("2025-12-31T23:40:00Z", 4),
    )
    last = client.get(f"/timeseries/{ts}/last-data-points").json()["data"]
    assert [p["value"] for p in last] == [4, 3, 2]
    olt_sim.advance(1800)
    assert [p["value"] for p in client.get(f"/timeseries/{ts}/last-data-points").json()["data"]] == [4]
    deleted = client.delete(
        f"/timeseries/{ts}/data-points", params={"startTime": "2025-12-31T23:00:00Z", "endTime": "2025-12-31T23:20:00Z"}
    )
    assert deleted.status_code == 204
    everything = client.get(
        f"/timeseries/{ts}/aggregated-data-points",
        params={"startTime": "2025-12-31T00:00:00Z", "endTime": "2026-01-02T00:00:00Z", "aggregation": "count"},
    )
    assert everything.json()["data"] == [{"time": "2025-12-31T00:00:00.000Z", "value": 2}]
    assert client.delete(f"/timeseries/{ts}/data-points").status_code == 204
    everything = client.get(
        f"/timeseries/{ts}/aggregated-data-points",
        params={"startTime": "2025-12-31T00:00:00Z", "endTime": "2026-01-02T00:00:00Z", "aggregation": "count"},
    )
    assert everything.json()["data"] == [{"time": "2025-12-31T00:00:00.000Z", "value": 0}]


def test_aggregated_15m_frames_are_paged(olt_sim: SimHandle) -> None:
    client = olt_sim.client()
    ts = create(client)["id"]
    add(client, ts, *((f"2025-12-31T{h:02d}:{m:02d}:00Z", h * 100 + m) for h in range(3) for m in (0, 20, 40)))
    params: dict[str, Any] = {
        "startTime": "2025-12-31T00:00:00Z",
        "endTime": "2025-12-31T03:00:00Z",
        "aggregation": "first",
        "frameSize": "15m",
        "pageSize": 4,
    }
    first = client.get(f"/timeseries/{ts}/aggregated-data-points", params=params).json()
    assert first["meta"] == {"page": 0, "pageSize": 4, "itemsTotal": 9, "pagesTotal": 3}
    assert [p["time"][11:16] for p in first["data"]] == ["02:30", "02:15", "02:00", "01:30"]
    assert [p["value"] for p in first["data"]] == [240, 220, 200, 140]
    last = client.get(f"/timeseries/{ts}/aggregated-data-points", params={**params, "page": 2}).json()
    assert [p["value"] for p in last["data"]] == [0]


def test_filter_requests_poll_then_download(olt_sim: SimHandle) -> None:
    client = olt_sim.client()
    a = create(client, "a", metadata={"kind": "power"})["id"]
    b = create(client, "b", metadata={"kind": "power"})["id"]
    c = create(client, "c", metadata={"kind": "water"})["id"]
    for ts, value in ((a, 1), (b, 2), (c, 3)):
        add(client, ts, ("2025-12-31T23:00:00Z", value), ("2025-12-31T23:30:00Z", value * 10))
    window = {"startTime": "2025-12-31T00:00:00Z", "endTime": "2026-01-01T00:00:00Z"}
    power = {"metadata": {"kind": "power"}}
    raw = client.post("/timeseries/dump", json={"dataFilter": window, "timeseriesFilter": power})
    assert raw.status_code == 202
    request = raw.json()["data"]
    assert request["url"] == f"http://testserver/v1/timeseries/requests/{request['id']}"
    pending = client.get(f"/timeseries/requests/{request['id']}")
    assert pending.status_code == 200 and pending.json()["data"]["status"] == "pending"
    olt_sim.advance(1)
    done = client.get(f"/timeseries/requests/{request['id']}")
    assert done.status_code == 201
    status = done.json()["data"]
    assert status["url"] == f"http://testserver/v1/timeseries/files/{status['fileId']}"
    content = client.get(f"/timeseries/files/{status['fileId']}").json()
    assert [(p["timeseriesId"], p["value"]) for p in content] == [(b, 20), (a, 10), (b, 2), (a, 1)]
    aggregated = client.post(
        "/timeseries/aggregated-dump",
        json={"dataFilter": window, "timeseriesFilter": {"timeseriesIds": [c]}, "params": {"aggregation": "max"}},
    )
    olt_sim.advance(1)
    file_id = client.get(f"/timeseries/requests/{aggregated.json()['data']['id']}").json()["data"]["fileId"]
    assert client.get(f"/timeseries/files/{file_id}").json() == [
        {"time": "2025-12-31T00:00:00.000Z", "value": 30, "timeseriesId": c}
    ]
    olt_sim.advance(3600)
    assert client.get(f"/timeseries/files/{status['fileId']}").status_code == 404  # expired
    assert client.get(f"/timeseries/requests/{request['id']}").status_code == 404


def test_standalone_timeseries_are_tenant_scoped(olt_sim: SimHandle) -> None:
    client = olt_sim.client()
    ts = create(client)["id"]
    add(client, ts, (None, 1))
    request = client.post(
        "/timeseries/dump",
        json={
            "dataFilter": {"startTime": "2025-01-01T00:00:00Z", "endTime": "2027-01-01T00:00:00Z"},
            "timeseriesFilter": {},
        },
    ).json()["data"]
    olt_sim.advance(1)
    other = other_tenant_client(olt_sim)
    assert other.get("/timeseries").json()["data"] == []
    assert other.get(f"/timeseries/{ts}").status_code == 404
    assert add(other, ts, (None, 2)).status_code == 404
    assert other.get(f"/timeseries/requests/{request['id']}").status_code == 404
    file_id = client.get(f"/timeseries/requests/{request['id']}").json()["data"]["fileId"]
    assert other.get(f"/timeseries/files/{file_id}").status_code == 404
    assert len(client.get(f"/timeseries/files/{file_id}").json()) == 1
