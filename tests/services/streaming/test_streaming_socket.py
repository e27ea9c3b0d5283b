"""WebSocket streams over real sockets: refusal before upgrade, filtering, buffered replay."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from simulator.testing import SimHandle
from tests.services.streaming.conftest import CATEGORY, Tenant
from tests.services.streaming.test_stream_filter import conforms

TIMEOUT = 5.0


@contextmanager
def opened(url: str, sim: SimHandle) -> Iterator[ClientConnection]:
    """Connect and wait until the server has registered the connection (so nothing is missed)."""
    before = len(sim.call(sim.sim.streaming.describe))
    socket = connect(url, open_timeout=TIMEOUT, close_timeout=1)
    with socket:
        wait_until(lambda: len(sim.call(sim.sim.streaming.describe)) > before)
        yield socket
    wait_until(lambda: len(sim.call(sim.sim.streaming.describe)) == before)


def wait_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def receive(socket: ClientConnection, count: int) -> list[dict[str, Any]]:
    return [json.loads(socket.recv(timeout=TIMEOUT)) for _ in range(count)]


def assert_silent(socket: ClientConnection) -> None:
    with pytest.raises(TimeoutError):
        socket.recv(timeout=0.3)


def refused_status(url: str) -> int:
    with pytest.raises(InvalidStatus) as refused, connect(url, open_timeout=TIMEOUT):
        pass
    return refused.value.response.status_code


def test_live_stream_delivers_contract_messages(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    with opened(server_tenant.stream_url({}), olt_sim_server) as socket:
        server_tenant.data({"temperature": 21.5})
        server_tenant.data({"brightness": 40}, kind="configuration")
        server_tenant.event("overheated", {"temperature": 92})
        got = receive(socket, 3)
    assert [m["type"] for m in got] == ["attributeUpdate", "configurationUpdate", "eventUpdate"]
    assert all(conforms(m) for m in got)
    assert got[0]["payload"] == {"value": {"temperature": 21.5}}
    assert got[2]["payload"]["type"] == "overheated"
    assert got[2]["payload"]["value"] == {"temperature": 92}
    assert {m["deviceId"] for m in got} == {server_tenant.device_id}


def test_tokens_are_single_use_and_expire(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    url = server_tenant.stream_url({})
    with opened(url, olt_sim_server):
        pass
    assert refused_status(url) == 401
    stale = server_tenant.stream_url({})
    olt_sim_server.advance(15)
    assert refused_status(stale) == 401
    assert refused_status(stale.split("?")[0]) == 400
    assert refused_status(stale.replace("connections?", "connections/sideways?")) == 400


def test_typed_path_must_match_the_requested_type(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    url = server_tenant.stream_url({}, type="buffered")
    assert refused_status(url.replace("connections?", "connections/live?")) == 400
    with opened(url.replace("connections?", "connections/buffered?"), olt_sim_server) as socket:
        server_tenant.event("doorOpened")
        assert receive(socket, 1)[0]["payload"]["type"] == "doorOpened"


def test_filters_select_messages(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    garage = server_tenant.device(tags=["garage"])
    conditions = {
        "type": ["eventUpdate", "attributeUpdate"],
        "tag": "KITCHEN",
        "event": ["overheated"],
        "attributes": ["humidity"],
        "deviceTypeCategory": [CATEGORY],
    }
    with opened(server_tenant.stream_url(conditions), olt_sim_server) as socket:
        server_tenant.event("overheated", device_id=garage)  # wrong tag
        server_tenant.event("doorOpened")  # not a wanted event
        server_tenant.data({"temperature": 1})  # not a wanted attribute
        server_tenant.data({"brightness": 1}, kind="configuration")  # not a wanted type
        server_tenant.data({"humidity": 50, "temperature": 2})
        server_tenant.event("overheated")
        got = receive(socket, 2)
        assert_silent(socket)
    assert [(m["type"], m["deviceId"]) for m in got] == [
        ("attributeUpdate", server_tenant.device_id),
        ("eventUpdate", server_tenant.device_id),
    ]


def test_other_tenants_messages_never_arrive(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    sim = olt_sim_server.sim
    other = olt_sim_server.call(lambda: sim.tenants.create_tenant("Other", sim.world.owner_user_id))
    stranger = Tenant(olt_sim_server.client(olt_sim_server.token(tenant=other.id)))
    with opened(server_tenant.stream_url({}), olt_sim_server) as socket:
        stranger.event("overheated")
        assert_silent(socket)


def test_buffered_stream_replays_what_was_missed(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    with opened(server_tenant.stream_url({}, type="buffered"), olt_sim_server) as socket:
        server_tenant.event("overheated")
        assert len(receive(socket, 1)) == 1
    olt_sim_server.advance(60)
    server_tenant.event("doorOpened")
    server_tenant.data({"temperature": 3})
    with opened(server_tenant.stream_url({"type": "eventUpdate"}, type="buffered"), olt_sim_server) as socket:
        missed = receive(socket, 1)
        assert_silent(socket)
    assert missed[0]["payload"]["type"] == "doorOpened"
    replay_all = {"replayFromTimestamp": "2026-01-01T00:00:00Z"}
    with opened(server_tenant.stream_url({}, type="buffered", options=replay_all), olt_sim_server) as socket:
        again = receive(socket, 3)
        assert_silent(socket)
    assert [m["type"] for m in again] == ["eventUpdate", "eventUpdate", "attributeUpdate"]


def test_live_streams_do_not_replay(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    with opened(server_tenant.stream_url({}), olt_sim_server):
        pass
    server_tenant.event("overheated")
    with opened(
        server_tenant.stream_url({}, options={"replayFromTimestamp": "2020-01-01T00:00:00Z"}), olt_sim_server
    ) as s:
        assert_silent(s)


def test_buffering_stops_after_two_days_away(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    with opened(server_tenant.stream_url({}, type="buffered"), olt_sim_server):
        pass
    olt_sim_server.advance(2 * 24 * 3600 + 1)
    server_tenant.event("overheated")
    assert olt_sim_server.call(lambda: olt_sim_server.sim.state.streaming.buffers) == {}
    with opened(server_tenant.stream_url({}, type="buffered"), olt_sim_server) as socket:
        assert_silent(socket)


def test_control_route_lists_open_streams(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    with opened(server_tenant.stream_url({"type": "eventUpdate"}), olt_sim_server):
        server_tenant.event("overheated")
        listed = olt_sim_server.control().get("/_sim/streams").json()["connections"]
    assert len(listed) == 1
    assert listed[0]["filter"] == {"type": ["eventUpdate"]}
    assert listed[0]["dropped"] == 0
