"""A simulator with both MQTT listeners on free ports, for fleets to connect to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.runtime import Simulator
from simulator.server import ThreadedServer
from simulator.settings import Settings


@pytest.fixture
def server() -> Iterator[ThreadedServer]:
    settings = Settings(host="127.0.0.1", port=0, mqtt_port=0, mqtts_port=0, clock="realtime", seed=3)
    server = ThreadedServer(Simulator(settings)).start()
    yield server
    server.stop()
