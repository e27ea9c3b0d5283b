"""MQTT ingest figures: end-to-end data-ingest rate vs a bare amqtt broker, and 10,000 connections.

Run: python benchmarks/mqtt_ingest.py [--messages 10000] [--publishers 20] [--rounds 3] [--connections 10000]

Throughput: the same publisher process (one raw MQTT connection per device, frames encoded in
advance, 20 QoS 1 messages in flight per connection) sends `--messages` data-ingest messages at
QoS 0 and at QoS 1
  * to a bare amqtt broker (anonymous auth plugin only), received by one raw subscriber process;
  * to the simulator (plain listener, device credentials), where a message counts once it has
    gone through the pipeline (state + timeseries: `DataReported` is announced after both).
Rate = messages / (last one processed - first one published). Medians of `--rounds` rounds.
CPU per message = this process's CPU seconds over the round / messages (both brokers run here,
in turn, on the same kind of event loop: uvloop where installed). Goal: the simulator's
publish -> state + timeseries at least 2x the bare relay.

Connections: `--connections` idle MQTT sessions (raw CONNECTs from a separate process) held by
the bare broker, by the simulator's plain port (each authenticated as its own device) and by its
TLS port (each with its own registered client certificate); memory is the broker process's RSS
growth per connection. `--messages 0` measures connections only, `--connections 0` throughput only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import os
import random
import resource
import ssl
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
import psutil

from simulator.loops import run as run_loop
from simulator.loops import uvloop_enabled
from simulator.scenario.credentials import issue_certificate
from simulator.services.devices.inputs import NewDevice

SCHEMA = {"attributes": {"temperature": {"type": "number"}}}
RULES = [{"path": "$.attributes.temperature", "reportTo": ["timeseries"]}]


def raise_open_file_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# ---------------------------------------------------------------------------------------------- clients


WINDOW = 20  # QoS 1 messages in flight per connection (paho's and gmqtt's default)


def publisher(port: int, credentials: list[tuple[str, str] | None], qos: int, count: int, pipe: Connection) -> None:
    """Child process: one raw MQTT connection per device, `count` pre-encoded PUBLISHes each.

    Frames are built before the clock starts and QoS 1 keeps `WINDOW` messages in flight per
    connection (one more for each PUBACK), so the load generator costs a few microseconds per
    message and the figure is the broker's, not a client library's (paho spent 40-90 us of
    Python per QoS 1 message here, more than the simulator).
    """

    async def main() -> None:
        connections = []
        for index, credential in enumerate(credentials):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(connect_packet(f"bench-pub-{index}", *(credential or (None, None))))
            assert await reader.readexactly(4) == b"\x20\x02\x00\x00", "CONNECT refused"
            connections.append((reader, writer))
        payloads = [json.dumps({"type": "attributes", "value": {"temperature": i % 50}}).encode() for i in range(count)]
        frames = [publish_packet("data-ingest", payload, qos, i % 65535 + 1) for i, payload in enumerate(payloads)]
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, pipe.send, "ready")
        await loop.run_in_executor(None, pipe.recv)
        cpu = time.process_time()
        started = time.monotonic()
        await asyncio.gather(*(_publish(reader, writer, frames, qos) for reader, writer in connections))
        pipe.send((started, time.process_time() - cpu))
        await loop.run_in_executor(None, pipe.recv)
        for _reader, writer in connections:
            writer.close()

    raise_open_file_limit()
    run_loop(main())


async def _publish(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frames: list[bytes], qos: int) -> None:
    """Send every frame; at QoS 1 keep WINDOW unacknowledged and return when all are acknowledged."""
    if not qos:
        for start in range(0, len(frames), 256):
            writer.write(b"".join(frames[start : start + 256]))
            await writer.drain()
        return
    sent = min(WINDOW, len(frames))
    writer.write(b"".join(frames[:sent]))
    acked, spare = 0, b""
    while acked < len(frames):
        data = spare + await reader.read(65536)
        if len(data) == len(spare):
            raise ConnectionError("broker closed the connection")
        whole = len(data) // 4 * 4
        assert all(data[k] == 0x40 for k in range(0, whole, 4)), "a PUBACK expected"
        acked, spare = acked + whole // 4, data[whole:]
        more = min(len(frames) - sent, whole // 4)
        if more:
            writer.write(b"".join(frames[sent : sent + more]))
            sent += more


def subscriber(port: int, qos: int, expected: int, pipe: Connection) -> None:
    """Child process (bare broker only): one raw connection subscribed to data-ingest; counts the
    PUBLISHes (acknowledging QoS 1 ones) and reports when the last arrived."""

    async def main() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(connect_packet("bench-sub"))
        assert await reader.readexactly(4) == b"\x20\x02\x00\x00"
        topic = _string("data-ingest") + bytes([qos])
        writer.write(bytes([0x82, len(topic) + 2, 0, 1]) + topic)
        assert (await reader.readexactly(5))[0] == 0x90  # SUBACK
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, pipe.send, "ready")
        received, buffer = 0, bytearray()
        finished = None
        while received < expected:
            data = await asyncio.wait_for(reader.read(65536), 300)
            if not data:
                break
            buffer += data
            acks = bytearray()
            while (frame := _take_frame(buffer)) is not None:
                first, body = frame
                if first >> 4 == 3:
                    received += 1
                    if (first >> 1) & 3:
                        end = 2 + int.from_bytes(body[:2], "big")
                        acks += b"\x40\x02" + body[end : end + 2]
            if acks:
                writer.write(bytes(acks))
        else:
            finished = time.monotonic()
        pipe.send(finished)
        writer.close()

    run_loop(main())


def _take_frame(buffer: bytearray) -> tuple[int, bytes] | None:
    """Remove and return the first whole MQTT frame (first byte, body) of `buffer`, if there is one."""
    length, shift, index = 0, 0, 1
    while True:
        if index >= len(buffer):
            return None
        byte = buffer[index]
        length |= (byte & 0x7F) << shift
        shift, index = shift + 7, index + 1
        if not byte & 0x80:
            break
    if len(buffer) < index + length:
        return None
    first, body = buffer[0], bytes(buffer[index : index + length])
    del buffer[: index + length]
    return first, body


def _string(text: str) -> bytes:
    data = text.encode()
    return len(data).to_bytes(2, "big") + data


def _frame(first: int, body: bytes) -> bytes:
    length, encoded = len(body), bytearray()
    while True:
        digit, length = length % 128, length // 128
        encoded.append(digit | (0x80 if length else 0))
        if not length:
            break
    return bytes([first]) + bytes(encoded) + body


def publish_packet(topic: str, payload: bytes, qos: int, packet_id: int) -> bytes:
    return _frame(0x30 | qos << 1, _string(topic) + (packet_id.to_bytes(2, "big") if qos else b"") + payload)


def connect_packet(client_id: str, username: str | None = None, password: str | None = None) -> bytes:
    """A raw MQTT 3.1.1 CONNECT (clean session, keep-alive off): 10,000 of them need no client library."""
    flags = 0x02 | (0x80 if username else 0) | (0x40 if password else 0)
    body = _string("MQTT") + bytes([4, flags, 0, 0]) + _string(client_id)
    body += (_string(username) if username else b"") + (_string(password) if password else b"")
    return _frame(0x10, body)


Certified = tuple[str, list[tuple[str, str]]]  # (CA PEM, (certificate PEM, key PEM) per device)


def connector(port: int, credentials: list[tuple[str, str] | None], tls: Certified | None, pipe: Connection) -> None:
    """Child process: open one idle MQTT session per credential (per client certificate with `tls`),
    report how many were accepted, hold them."""
    raise_open_file_limit()
    contexts = _client_contexts(tls) if tls else [None] * len(credentials)

    async def main() -> None:
        writers = []
        accepted = 0
        gate = asyncio.Semaphore(200)

        async def one(index: int, credential: tuple[str, str] | None, context: ssl.SSLContext | None) -> None:
            nonlocal accepted
            async with gate:
                try:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
                    writer.write(connect_packet(f"idle-{index}", *(credential or (None, None))))
                    if await reader.readexactly(4) == b"\x20\x02\x00\x00":
                        accepted += 1
                except (OSError, asyncio.IncompleteReadError):
                    return  # not accepted: the count says so
                writers.append(writer)

        started = time.monotonic()
        await asyncio.gather(*(one(i, c, t) for i, (c, t) in enumerate(zip(credentials, contexts, strict=True))))
        pipe.send((accepted, time.monotonic() - started))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
        for writer in writers:
            writer.close()

    asyncio.run(main())


def _client_contexts(tls: Certified) -> list[ssl.SSLContext]:
    ca_pem, certificates = tls
    contexts = []
    with tempfile.TemporaryDirectory() as folder:
        for index, (cert_pem, key_pem) in enumerate(certificates):
            chain = Path(folder) / f"{index}.pem"
            chain.touch(mode=0o600)
            chain.write_text(cert_pem + key_pem)
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.load_verify_locations(cadata=ca_pem)
            context.load_cert_chain(chain)
            contexts.append(context)
    return contexts


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

    def certified(self, count: int) -> Certified:
        """`count` devices, each with a registered client certificate, and the broker's CA."""
        tenant = self.sim.world.tenant_id

        def create() -> list[tuple[str, str]]:
            rng = random.Random(7)
            made = []
            for index in range(count):
                device = self.sim.devices.create_device(tenant, NewDevice(f"c{index}", self.type_id))
                cert_pem, key_pem = issue_certificate("bench", device.name, rng, self.sim.clock.now())
                self.sim.certificates.create_certificate(tenant, device.id, cert_pem)
                made.append((cert_pem, key_pem))
            return made

        made = self.server.loop_thread.call(create, timeout=1200)
        return Path(self.sim.info["caPemPath"]).read_text(), made

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
    started, publisher_cpu = pub_pipe.recv()
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
    print(f"    (publisher process: {publisher_cpu / total * 1e6:.0f} us CPU/msg)", flush=True)
    return total / (finished - started), cpu / total * 1e6


def connection_server(kind: str, count: int, pipe: Connection) -> None:
    """Child process holding one broker, so its RSS growth is the connections' alone."""
    raise_open_file_limit()
    import gc

    server = BareBroker() if kind == "bare" else SimulatorServer()
    target = server.target()
    tls: Certified | None = None
    port, credentials = target.port, list[tuple[str, str] | None]([None] * count)
    if kind == "tls":
        assert isinstance(server, SimulatorServer)
        tls, port = server.certified(count), int(server.sim.info["mqttsPort"])
    else:
        credentials = target.credentials(count)
    gc.collect()
    me = psutil.Process()
    pipe.send((port, credentials, tls, me.memory_info().rss))
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
    port, credentials, tls, before = server_pipe.recv()
    pipe, child = ctx.Pipe()
    process = ctx.Process(target=connector, args=(port, credentials, tls, child), daemon=True)
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
    parser.add_argument("--kinds", default="bare,sim,tls", help="idle connections: bare amqtt, simulator, its TLS")
    args = parser.parse_args()
    raise_open_file_limit()

    if args.messages:
        throughput(args)
    if args.connections:
        print(f"\nIdle connections ({args.connections}), each broker in its own process:")
        names = {"bare": "bare amqtt", "sim": "simulator", "tls": "sim TLS"}
        for kind in args.kinds.split(","):
            accepted, seconds, kib = run_connections(kind, args.connections)
            print(f"  {names[kind]:<11}: {accepted} accepted in {seconds:.1f} s, {kib:.1f} KiB RSS per connection")


def throughput(args: argparse.Namespace) -> None:
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


if __name__ == "__main__":
    main()
