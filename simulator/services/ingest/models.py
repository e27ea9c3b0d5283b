"""The one device-data pipeline: HTTP ingest, MQTT uplink and virtual devices all come through here."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.runtime import Simulator


class IngestBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
