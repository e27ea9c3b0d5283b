"""Run the simulator's surfaces (uvicorn, later the MQTT broker) on one event loop.

`LoopThread` gives other threads (fixtures, the CLI) a loop to submit work to;
`ThreadedServer` serves the HTTP app on real sockets from such a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import threading
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

import uvicorn

from simulator.api.app import create_app
from simulator.http_limits import prepare_loop, uvicorn_options
from simulator.loops import new_event_loop
from simulator.mqtt.broker import start_mqtt
from simulator.mqtt.ca import ca_for, trust_banner
from simulator.runtime import Simulator

T = TypeVar("T")
log = logging.getLogger(__name__)
StartHook = Callable[[Simulator], Awaitable[Callable[[], Awaitable[None]] | None]]
#: Coroutines run when a server starts (e.g. the MQTT broker); each may return an async stopper.
DEFAULT_START_HOOKS: tuple[StartHook, ...] = (start_mqtt,)


class LoopThread:
    """An asyncio loop running forever in a daemon thread."""

    def __init__(self, name: str = "olt-sim-loop") -> None:
        self.loop = new_event_loop()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 60) -> T:
        return self.submit(coro).result(timeout)

    def call(self, fn: Callable[[], T], timeout: float | None = 60) -> T:
        async def wrapper() -> T:
            return fn()

        return self.run(wrapper(), timeout)

    def stop(self) -> None:
        if self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto must be IPPROTO_TCP (not 0): asyncio sets TCP_NODELAY on accepted sockets only then,
    # without it every response waits ~40 ms on Nagle + delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.setblocking(False)
    return sock


async def tick_clock(sim: Simulator) -> None:
    """Fire clock timers as simulated time passes (real-time and scaled clocks only)."""
    while True:
        wait = sim.clock.seconds_until_next() if sim.clock.runs_by_itself else None
        await asyncio.sleep(min(wait, 0.5) if wait is not None else 0.5)
        if sim.clock.runs_by_itself:
            sim.clock.run_due()


def https_server(sim: Simulator, app: Any) -> tuple[socket.socket, uvicorn.Server] | None:
    """TLS mode: the same app over HTTPS with the local CA; with a domain, URLs use api./id.<domain>."""
    settings = sim.settings
    if not settings.tls:
        return None
    ca = ca_for(sim)
    sock = bind(settings.host, 443 if settings.https_port is None else settings.https_port)
    port = sock.getsockname()[1]
    suffix = "" if port == 443 else f":{port}"
    if settings.domain and not settings.public_url:
        sim.base_url = f"https://api.{settings.domain}{suffix}"
        sim.identity_url = f"https://id.{settings.domain}{suffix}"
    sim.info.update(
        {
            "baseUrl": sim.base_url,
            "apiUrl": sim.base_url + "/v1",
            "realmUrl": sim.issuer,
            "httpsPort": port,
            "caPemPath": str(ca.ca_pem_path),
        }
    )
    plain = f"http://{settings.host}:{sim.info.get('httpPort')}"
    sim.info.setdefault("banner", []).extend(trust_banner(ca, settings.domain, port, plain))
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        ssl_certfile=str(ca.server_cert_path),
        ssl_keyfile=str(ca.server_key_path),
        **uvicorn_options(),
    )
    return sock, uvicorn.Server(config)


class AppServer:
    """uvicorn + start hooks + clock ticker, all on the current loop."""

    def __init__(self, sim: Simulator, start_hooks: Sequence[StartHook] = DEFAULT_START_HOOKS) -> None:
        self.sim = sim
        self.start_hooks = tuple(start_hooks)
        self.sock = bind(sim.settings.host, sim.settings.port)
        port = self.sock.getsockname()[1]
        host = sim.settings.host
        shown = f"[{host}]" if ":" in host else host
        if not sim.settings.public_url:
            sim.base_url = f"http://{shown}:{port}"
        sim.info.update(
            {"baseUrl": sim.base_url, "httpPort": port, "apiUrl": sim.base_url + "/v1", "realmUrl": sim.issuer}
        )
        app = create_app(sim)
        if sim.persister is not None:
            app = sim.persister.watch(app)  # requests that may change the world mark it for saving
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", **uvicorn_options())
        self.server = uvicorn.Server(config)
        self.https = https_server(sim, app)
        self._stoppers: list[Callable[[], Awaitable[None]]] = []
        self._tasks: list[asyncio.Task[Any]] = []

    async def start(self) -> None:
        prepare_loop(asyncio.get_running_loop())
        for hook in self.start_hooks:
            stopper = await hook(self.sim)
            if stopper is not None:
                self._stoppers.append(stopper)
        self._tasks.append(asyncio.ensure_future(self.server.serve(sockets=[self.sock])))
        self._tasks.append(asyncio.ensure_future(tick_clock(self.sim)))
        if self.https is not None:
            self._tasks.append(asyncio.ensure_future(self.https[1].serve(sockets=[self.https[0]])))
        while not self.server.started or (self.https is not None and not self.https[1].started):
            for task in (self._tasks[0], self._tasks[-1]):
                if task.done():
                    task.result()
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.https is not None:
            self.https[1].should_exit = True
        for stopper in reversed(self._stoppers):
            with contextlib.suppress(Exception):
                await stopper()
        for task in self._tasks[1:]:
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._tasks[0], 10)

    async def wait(self) -> None:
        """Until uvicorn stops (Ctrl-C or SIGTERM)."""
        await self._tasks[0]

    async def serve_forever(self) -> None:
        await self.start()
        try:
            await self.wait()
        finally:
            await self.stop()


class ThreadedServer:
    """The whole simulator on free (or given) ports in a background thread: fixtures and tools."""

    def __init__(self, sim: Simulator, start_hooks: Sequence[StartHook] = DEFAULT_START_HOOKS) -> None:
        self.sim = sim
        self.start_hooks = tuple(start_hooks)
        self.loop_thread = LoopThread("olt-sim-server")
        self.app_server: AppServer | None = None

    @property
    def base_url(self) -> str:
        return self.sim.base_url

    def start(self) -> ThreadedServer:
        async def start() -> AppServer:
            server = AppServer(self.sim, self.start_hooks)
            await server.start()
            return server

        self.app_server = self.loop_thread.run(start())
        return self

    def call(self, fn: Callable[[], T]) -> T:
        return self.loop_thread.call(fn)

    def stop(self) -> None:
        if self.app_server is not None:
            self.loop_thread.run(self.app_server.stop())
            self.app_server = None
        self.loop_thread.stop()

    def __enter__(self) -> ThreadedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
