"""POST /devices/streaming-connections: one-time 64-hex tokens valid 15 simulated seconds."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from simulator.testing import SimHandle
from tests.services.streaming.conftest import Tenant


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_url_carries_a_fresh_token(tenant: Tenant) -> None:
    url = tenant.stream_url({"type": ["eventUpdate"]})
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("ws", "testserver", "/v1/devices/streaming-connections")
    assert re.fullmatch(r"[0-9a-f]{64}", token_of(url))
    assert token_of(tenant.stream_url({})) != token_of(url)


def test_plain_get_with_a_valid_token_asks_for_an_upgrade(olt_sim: SimHandle, tenant: Tenant) -> None:
    token = token_of(tenant.stream_url({}, type="buffered"))
    anonymous = olt_sim.client(None)
    response = anonymous.get("/devices/streaming-connections", params={"token": token})
    assert response.status_code == 400
    assert "WebSocket" in response.json()["errorMessage"]
    assert anonymous.get("/devices/streaming-connections/buffered", params={"token": token}).status_code == 400
    assert anonymous.get("/devices/streaming-connections/live", params={"token": token}).status_code == 400
    assert anonymous.get("/devices/streaming-connections").status_code == 400
    assert anonymous.get("/devices/streaming-connections/other", params={"token": token}).status_code == 400


def test_unknown_and_expired_tokens_are_unauthorized(olt_sim: SimHandle, tenant: Tenant) -> None:
    anonymous = olt_sim.client(None)
    assert anonymous.get("/devices/streaming-connections", params={"token": "0" * 64}).status_code == 401
    token = token_of(tenant.stream_url({}))
    olt_sim.advance(14.9)
    assert anonymous.get("/devices/streaming-connections", params={"token": token}).status_code == 400
    olt_sim.advance(0.1)
    assert anonymous.get("/devices/streaming-connections", params={"token": token}).status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"filter": {}, "type": "replay"},
        {"filter": {"deviceId": "not-a-uuid"}},
        {"filter": {"type": 5}},
        {"filter": {}, "options": {"replayFromTimestamp": "yesterday"}},
    ],
)
def test_bad_requests(tenant: Tenant, body: dict[str, object]) -> None:
    assert tenant.client.post("/devices/streaming-connections", json=body).status_code == 400


def test_needs_the_streaming_permission(olt_sim: SimHandle) -> None:
    client = olt_sim.client(None)
    assert client.post("/devices/streaming-connections", json={"filter": {}}).status_code == 401
    reader = olt_sim.client("reader@example.com")
    assert reader.post("/devices/streaming-connections", json={"filter": {}}).status_code == 200


def test_bare_strings_count_as_one_element_arrays(olt_sim: SimHandle, tenant: Tenant) -> None:
    token = token_of(tenant.stream_url({"type": "eventUpdate", "deviceId": tenant.device_id}))
    ticket = olt_sim.call(lambda: olt_sim.sim.state.streaming.tickets[token])
    assert ticket.filter == {"type": ["eventUpdate"], "deviceId": [tenant.device_id]}
