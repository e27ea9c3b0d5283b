"""Stream faults seen by a real WebSocket client (websockets): drop, delay and gap."""

from __future__ import annotations

import time

import pytest
from websockets.exceptions import ConnectionClosedError

from simulator.testing import SimHandle
from tests.faults.test_http_faults import add_fault
from tests.services.streaming.conftest import Tenant
from tests.services.streaming.test_streaming_socket import assert_silent, opened, receive


def temperatures(messages: list[dict[str, object]]) -> list[object]:
    return [m["payload"]["value"]["temperature"] for m in messages]  # type: ignore[index]


def test_gap_loses_n_messages_then_the_stream_goes_on(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    rule = add_fault(
        olt_sim_server,
        {
            "match": {"protocol": "stream", "device": server_tenant.device_id},
            "effect": {"gap": 2},
            "count": 1,
            "after": "10s",
        },
    )
    with opened(server_tenant.stream_url(), olt_sim_server) as socket:
        server_tenant.data({"temperature": 1})
        assert temperatures(receive(socket, 1)) == [1]
        olt_sim_server.advance(10)
        for value in (2, 3, 4, 5):
            server_tenant.data({"temperature": value})
        assert temperatures(receive(socket, 2)) == [4, 5]
        assert_silent(socket)
    listed = olt_sim_server.control().get("/_sim/faults").json()["data"]
    assert (listed[0]["id"], listed[0]["hits"]) == (rule["id"], 1)
    points = olt_sim_server.client().get(f"/devices/{server_tenant.device_id}/state").json()["data"]
    assert points["attributes"]["temperature"] == 5  # the world has every value: only the stream lost some


def test_drop_closes_the_websocket_with_the_chosen_code(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    add_fault(olt_sim_server, {"match": {"protocol": "stream", "type": "live"}, "effect": {"drop": True, "code": 4000}})
    url = server_tenant.stream_url()
    with opened(url, olt_sim_server) as socket:
        server_tenant.data({"temperature": 1})
        with pytest.raises(ConnectionClosedError) as closed:
            socket.recv(timeout=5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4000
    olt_sim_server.control().delete("/_sim/faults")
    with opened(server_tenant.stream_url(), olt_sim_server) as socket:  # reconnecting works
        server_tenant.data({"temperature": 2})
        assert temperatures(receive(socket, 1)) == [2]


def test_delay_holds_messages_in_real_time(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    add_fault(olt_sim_server, {"match": {"protocol": "stream"}, "effect": {"delay": 0.5, "clock": "real"}, "count": 1})
    with opened(server_tenant.stream_url(), olt_sim_server) as socket:
        started = time.monotonic()
        server_tenant.data({"temperature": 1})
        server_tenant.data({"temperature": 2})
        assert temperatures(receive(socket, 2)) == [1, 2]
        assert time.monotonic() - started >= 0.5


def test_delay_on_the_simulated_clock_waits_for_it(olt_sim_server: SimHandle, server_tenant: Tenant) -> None:
    add_fault(olt_sim_server, {"match": {"protocol": "stream"}, "effect": {"delay": "1m"}, "count": 1})
    with opened(server_tenant.stream_url(), olt_sim_server) as socket:
        server_tenant.data({"temperature": 1})
        assert_silent(socket)
        olt_sim_server.advance(60)
        assert temperatures(receive(socket, 1)) == [1]
