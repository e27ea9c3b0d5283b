"""What a fleet worker counts, summed over workers for the summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from operator import add
from typing import Any


@dataclass
class Counters:
    devices: int = 0
    connected: int = 0  # sessions that got a CONNACK accepting them (reconnects count again)
    refused: int = 0  # CONNACK refusals and connections that failed or timed out
    sent: int = 0  # PUBLISHes written to a live session
    acked: int = 0  # of those at QoS 1, PUBACKed by the broker
    not_sent: int = 0  # messages the generators made while the device had no session
    downlink: int = 0  # messages received on the devices' subscriptions
    connect_seconds: float = 0.0  # until every device had its first answer (slowest worker)
    cpu_seconds: float = 0.0
    peak_rss_mib: float = 0.0  # the largest worker's RSS at its end

    def add(self, other: Counters) -> Counters:
        merged = Counters()
        for item in fields(self):
            mine, theirs = getattr(self, item.name), getattr(other, item.name)
            combine: Callable[[Any, Any], Any] = max if item.name in ("connect_seconds", "peak_rss_mib") else add
            setattr(merged, item.name, combine(mine, theirs))
        return merged

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Counters:
        return cls(**{item.name: data[item.name] for item in fields(cls) if item.name in data})
