"""MQTT ingest figures: end-to-end data-ingest rate vs a bare amqtt broker, and 10,000 connections.

Run: python benchmarks/mqtt_ingest.py [--messages 10000] [--publishers 20] [--rounds 3] [--connections 10000]

Throughput: the same paho-mqtt publisher process (one connection per device) sends `--messages`
data-ingest messages at QoS 0 and at QoS 1
  * to a bare amqtt broker (anonymous auth plugin only), received by one paho subscriber process;
  * to the simulator (plain listener, device credentials), where a message counts once it has
    gone through the pipeline (state + timeseries: `DataReported` is announced after both).
Rate = messages / (last one processed - first one published). Medians of `--rounds` rounds.
CPU per message = this process's CPU seconds over the round / messages (both brokers run here,
in turn, on the same kind of event loop: uvloop where installed). Goal: the simulator's
publish -> state + timeseries at least 2x the bare relay.

Connections: `--connections` idle MQTT sessions (raw CONNECTs from a separate process) held by
the simulator (each authenticated as its own device) and by the bare broker; memory is the
broker process's RSS growth per connection.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import httpx
import psutil

from simulator.loops import uvloop_enabled
from simulator.services.devices.inputs import NewDevice

SCHEMA = {"attributes": {"temperature": {"type": "number"}}}
RULES = [{"path": "$.attributes.temperature", "reportTo": ["timeseries"]}]


def raise_open_file_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---------------------------------------------------------------------------------------------- clients


def publisher(port: int, credentials: list[tuple[str, str] | None], qos: int, count: int, pipe: Connection) -> None:
    """Child process: one paho client per device, `count` messages each, round-robin."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    clients = []
    for index, credential in enumerate(credentials):
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{index}", protocol=paho.MQTTv311)
        client.max_queued_messages_set(0)
        if credential:
            client.username_pw_set(*credential)
        client.connect("127.0.0.1", port, keepalive=600)
        client.loop_start()
        clients.append(client)
    time.sleep(0.5)  # all CONNACKs in
    pipe.send("ready")
    pipe.recv()
    payloads = [json.dumps({"type": "attributes", "value": {"temperature": i % 50}}).encode() for i in range(count)]
    infos = []
    started = time.monotonic()
    for payload in payloads:
        for client in clients:
            infos.append(client.publish("data-ingest", payload, qos=qos))
    for info in infos:
        info.wait_for_publish(120)
    pipe.send(started)
    pipe.recv()
    for client in clients:
        client.disconnect()
        client.loop_stop()


def subscriber(port: int, qos: int, expected: int, pipe: Connection) -> None:
    """Child process (bare broker only): counts data-ingest messages, reports when the last arrived."""
    import paho.mqtt.client as paho
    from paho.mqtt.enums import CallbackAPIVersion

    received = 0
    finished: list[float] = []

    def on_message(client: Any, userdata: Any, message: Any) -> None:
        nonlocal received
        received += 1
        if received == expected:
            finished.append(time.monotonic())

    client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-sub", protocol=paho.MQTTv311)
    client.on_message = on_message
    client.connect("127.0.0.1", port, keepalive=600)
    client.subscribe("data-ingest", qos)
    client.loop_start()
    time.sleep(0.5)
    pipe.send("ready")
    deadline = time.monotonic() + 300
    while not finished and time.monotonic() < deadline:
        time.sleep(0.01)
    pipe.send(finished[0] if finished else None)
    client.disconnect()
    client.loop_stop()


def _string(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


def connect_packet(client_id: str, username: str | None = None, password: str | None = None) -> bytes:
    """A raw MQTT 3.1.1 CONNECT (clean session, keep-alive off): 10,000 of them need no client library."""
    flags = 0x02 | (0x80 if username else 0) | (0x40 if password else 0)
    body = _string("MQTT") + bytes([4, flags, 0, 0]) + _string(client_id)
    body += (_string(username) if username else b"") + (_string(password) if password else b"")
    length, encoded = len(body), bytearray()
    while True:
        digit, length = length % 128, length // 128
        encoded.append(digit | (0x80 if length else 0))
        if not length:
            break
    return bytes([0x10]) + bytes(encoded) + body


def connector(port: int, credentials: list[tuple[str, str] | None], pipe: Connection) -> None:
    """Child process: open one idle MQTT session per credential, report how many were accepted, hold them."""
    raise_open_file_limit()

    async def main() -> None:
        writers = []
        accepted = 0
        gate = asyncio.Semaphore(200)

        async def one(index: int, credential: tuple[str, str] | None) -> None:
            nonlocal accepted
            async with gate:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(connect_packet(f"idle-{index}", *(credential or (None, None))))
                if await reader.readexactly(4) == b"\x20\x02\x00\x00":
                    accepted += 1
                writers.append(writer)

        started = time.monotonic()
        await asyncio.gather(*(one(i, c) for i, c in enumerate(credentials)))
        pipe.send((accepted, time.monotonic() - started))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        for writer in writers:
            writer.close()

    asyncio.run(main())


# ---------------------------------------------------------------------------------------------- brokers


@dataclass
class Target:
    name: str
    port: int
    credentials: Callable[[int], list[tuple[str, str] | None]]  # n devices -> their credentials
    processed: Callable[[int, int], Callable[[], float | None]] | None  # (expected, qos) -> waiter of end time
    stored: Callable[[list[str]], int] | None = None  # device ids -> timeseries points stored for them


class BareBroker:
    """amqtt with only the anonymous-auth plugin (its default plugins cost about half its rate)."""

    def __init__(self) -> None:
        from simulator.server import LoopThread

        self.loop = LoopThread("bare-amqtt")

        async def start() -> Any:
            from amqtt.broker import Broker

            broker = Broker(
                {
                    "listeners": {"default": {"type": "tcp", "bind": "127.0.0.1:0"}},
                    "plugins": {"amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True}},
                }
            )
            await broker.start()
            return broker

        self.broker = self.loop.run(start())
        self.port = self.broker._servers["default"].instance.sockets[0].getsockname()[1]

    def target(self) -> Target:
        return Target("bare amqtt", self.port, lambda n: [None] * n, None)

    def stop(self) -> None:
        self.loop.run(self.broker.shutdown())
        self.loop.stop()


class SimulatorServer:
    def __init__(self) -> None:
        from simulator.core.events import DataReported
        from simulator.runtime import Simulator
        from simulator.server import ThreadedServer
        from simulator.settings import Settings

        settings = Settings(port=0, mqtt_port=0, mqtts_port=0, clock="realtime", journal_size=1000)
        self.server = ThreadedServer(Simulator(settings)).start()
        self.sim = self.server.sim
        token = self.server.call(lambda: self.sim.token_for_user("owner@example.com"))
        self.api = httpx.Client(
            base_url=self.server.base_url + "/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        response = self.api.post("/device-types", json={"name": "Meter", "schema": SCHEMA, "reportingRules": RULES})
        response.raise_for_status()
        self.type_id = response.json()["data"]["id"]
        self.reported = 0
        self.wanted = 0
        self.finished: float | None = None
        self.server.call(lambda: self.sim.bus.subscribe(DataReported, self._count))

    def _count(self, event: Any) -> None:
        self.reported += 1
        if self.reported == self.wanted:
            self.finished = time.monotonic()

    def devices(self, count: int) -> list[tuple[str, str] | None]:
        tenant = self.sim.world.tenant_id

        def create() -> list[tuple[str, str] | None]:
            made: list[tuple[str, str] | None] = []
            for index in range(count):
                device = self.sim.devices.create_device(tenant, NewDevice(f"m{index}", self.type_id))
                made.append((device.id, self.sim.devices.mqtt_password(device.id)))
            return made

        return list(self.server.loop_thread.call(create, timeout=600))

    def expect(self, expected: int, qos: int) -> Callable[[], float | None]:
        def arm() -> None:
            self.reported, self.wanted, self.finished = 0, expected, None

        self.server.call(arm)
        return lambda: self.finished

    def points(self, device_ids: list[str]) -> int:
        total = 0
        for device_id in device_ids:
            path = {"path": "$.attributes.temperature"}
            response = self.api.get(f"/devices/{device_id}/last-timeseries", params=path)
            total += len(response.json()["data"])
        return total

    def target(self) -> Target:
        return Target("simulator", int(self.sim.info["mqttPort"]), self.devices, self.expect, self.points)

    def stop(self) -> None:
        self.api.close()
        self.server.stop()


# ---------------------------------------------------------------------------------------------- measurements


def run_throughput(target: Target, qos: int, messages: int, publishers: int) -> tuple[float, float]:
    """(messages per second, CPU microseconds of this process per message: broker + bridge + pipeline)."""
    ctx = mp.get_context("spawn")
    per_device = messages // publishers
    total = per_device * publishers
    credentials = target.credentials(publishers)
    waiter = target.processed(total, qos) if target.processed else None
    sub_pipe = None
    if waiter is None:
        sub_pipe, child = ctx.Pipe()
        ctx.Process(target=subscriber, args=(target.port, qos, total, child), daemon=True).start()
        assert sub_pipe.recv() == "ready"
    pub_pipe, child = ctx.Pipe()
    process = ctx.Process(target=publisher, args=(target.port, credentials, qos, per_device, child), daemon=True)
    process.start()
    assert pub_pipe.recv() == "ready"
    cpu = time.process_time()
    pub_pipe.send("go")
    started = pub_pipe.recv()
    if waiter is not None:
        deadline = time.monotonic() + 300
        while waiter() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        finished = waiter()
    else:
        assert sub_pipe is not None
        finished = sub_pipe.recv()
    cpu = time.process_time() - cpu
    pub_pipe.send("stop")
    process.join(30)
    if finished is None:
        raise RuntimeError(f"{target.name}: not all {total} messages arrived at QoS {qos}")
    if target.stored is not None:
        points = target.stored([c[0] for c in credentials if c])
        assert points == total, f"{points} timeseries points for {total} messages"
    return total / (finished - started), cpu / total * 1e6


def connection_server(kind: str, count: int, pipe: Connection) -> None:
    """Child process holding one broker, so its RSS growth is the connections' alone."""
    raise_open_file_limit()
    import gc

    server = BareBroker() if kind == "bare" else SimulatorServer()
    target = server.target()
    credentials = target.credentials(count)
    gc.collect()
    me = psutil.Process()
    pipe.send((target.port, credentials, me.memory_info().rss))
    pipe.recv()
    gc.collect()
    pipe.send(me.memory_info().rss)
    pipe.recv()
    logging.getLogger("amqtt").setLevel(logging.CRITICAL)  # shutting down 10,000 sessions makes amqtt complain
    server.stop()


def run_connections(kind: str, count: int) -> tuple[int, float, float]:
    """(accepted, seconds to connect all, KiB of broker RSS per connection)."""
    ctx = mp.get_context("spawn")
    server_pipe, child = ctx.Pipe()
    server = ctx.Process(target=connection_server, args=(kind, count, child), daemon=True)
    server.start()
    port, credentials, before = server_pipe.recv()
    pipe, child = ctx.Pipe()
    process = ctx.Process(target=connector, args=(port, credentials, child), daemon=True)
    process.start()
    accepted, seconds = pipe.recv()
    time.sleep(1)
    server_pipe.send("measure")
    after = server_pipe.recv()
    pipe.send("close")
    process.join(60)
    server_pipe.send("stop")
    server.join(60)
    return accepted, seconds, (after - before) / 1024 / max(accepted, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--publishers", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=10_000)
    args = parser.parse_args()
    raise_open_file_limit()

    bare, sim = BareBroker(), SimulatorServer()
    rates: dict[tuple[str, int], list[float]] = {}
    costs: dict[tuple[str, int], list[float]] = {}
    try:
        for _ in range(args.rounds):
            for target in (bare.target(), sim.target()):
                for qos in (0, 1):
                    rate, cost = run_throughput(target, qos, args.messages, args.publishers)
                    rates.setdefault((target.name, qos), []).append(rate)
                    costs.setdefault((target.name, qos), []).append(cost)
                    print(f"  {target.name:<11} QoS {qos}: {rate:7.0f} msg/s, {cost:5.0f} us CPU/msg", flush=True)
        print(
            f"\nEnd-to-end data-ingest, {args.messages} messages from {args.publishers} devices, "
            f"median of {args.rounds} rounds (event loop: {'uvloop' if uvloop_enabled() else 'asyncio'}, "
            f"load average {os.getloadavg()[0]:.1f}):"
        )
        for qos in (0, 1):
            bare_rate = statistics.median(rates[("bare amqtt", qos)])
            sim_rate = statistics.median(rates[("simulator", qos)])
            bare_cost = statistics.median(costs[("bare amqtt", qos)])
            sim_cost = statistics.median(costs[("simulator", qos)])
            verdict = "met" if sim_rate >= 2 * bare_rate else "NOT met"
            print(
                f"  QoS {qos}: bare amqtt relay {bare_rate:7.0f} msg/s ({bare_cost:.0f} us CPU/msg) | simulator "
                f"publish->state+timeseries {sim_rate:7.0f} msg/s ({sim_cost:.0f} us CPU/msg) | "
                f"ratio {sim_rate / bare_rate:.2f} (goal >= 2: {verdict})"
            )
    finally:
        sim.stop()
        bare.stop()
    if args.connections:
        print(f"\nIdle connections ({args.connections}), each broker in its own process:")
        for kind, name in (("bare", "bare amqtt"), ("sim", "simulator")):
            accepted, seconds, kib = run_connections(kind, args.connections)
            print(f"  {name:<11}: {accepted} accepted in {seconds:.1f} s, {kib:.1f} KiB RSS per connection", flush=True)


if __name__ == "__main__":
    main()
