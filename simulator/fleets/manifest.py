"""What a fleet worker runs: the devices with their credentials, the broker, the schedule (JSON).

The manifest crosses process (and machine) boundaries as JSON, so it holds data only; a pool
splits one manifest into a slice per worker.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class Credential:
    """One device as the broker knows it: a password (plain port) or a client certificate (TLS)."""

    device_id: str
    fleet: str  # the scenario fleet whose generators and schedule it runs
    index: int  # position in its fleet (the generators' `n - 1`)
    username: str | None = None
    password: str | None = None
    cert_pem: str | None = None
    key_pem: str | None = None


@dataclass(frozen=True)
class Manifest:
    scenario: str  # path of the scenario file (its fleets' generators and schedules)
    host: str
    port: int
    devices: list[Credential]
    tls: bool = False
    ca_pem: str | None = None  # the broker's CA with TLS; None = the system's trusted CAs
    seconds: float = 60.0  # how long the devices report, after all of them connected
    every: float | None = None  # report period; None = the scenario's
    seed: int = 0
    connect_timeout: float = 300.0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        data["devices"] = [Credential(**device) for device in data["devices"]]
        return cls(**data)

    def split(self, workers: int) -> list[Manifest]:
        """One slice per worker (round-robin, so fleets of mixed auth spread evenly); none empty."""
        workers = max(1, min(workers, len(self.devices) or 1))
        return [replace(self, devices=self.devices[n::workers]) for n in range(workers)]
