"""Counters of a scenario run, the progress line on stderr and the closing summary."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, fields
from typing import Any, TextIO

from simulator.scenario.units import format_duration


@dataclass
class FleetStats:
    """What one fleet's devices did (sent) and what the platform made of it (accepted, diagnostics)."""

    devices: int = 0
    messages: int = 0  # data messages sent (attributes and configuration reports)
    events: int = 0  # events sent
    malformed: int = 0  # malformed messages sent on purpose
    accepted: int = 0  # data + event messages the pipeline accepted (DataReported / EventReported)
    diagnostics: int = 0  # diagnostics entries written for the fleet's devices
    actions: int = 0  # actions received
    refused: int = 0  # actions refused
    ignored: int = 0  # actions without a reaction
    configurations: int = 0  # configuration changes applied
    offline_spells: int = 0
    reconnects: int = 0
    errors: int = 0  # expressions that failed to evaluate

    def as_dict(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass
class RunStats:
    fleets: dict[str, FleetStats] = field(default_factory=dict)

    def total(self, name: str) -> int:
        return sum(getattr(s, name) for s in self.fleets.values())

    def as_dict(self) -> dict[str, Any]:
        totals = {f.name: self.total(f.name) for f in fields(FleetStats)}
        return {"totals": totals, "fleets": {k: v.as_dict() for k, v in self.fleets.items()}}


class Progress:
    """A one-line progress bar: simulated time, messages per second (wall), devices online."""

    def __init__(self, duration: float, stream: TextIO | None = None, width: int = 28) -> None:
        self.duration = max(duration, 1e-9)
        self.stream = stream or sys.stderr
        self.width = width
        self.last_messages = 0
        self.last_wall: float | None = None
        self.rate = 0.0
        self.interactive = self.stream.isatty()
        self.min_interval = 0.0 if self.interactive else 5.0  # a log file gets a line every 5 s
        self.printed_at: float | None = None

    def update(
        self, elapsed_sim: float, messages: int, online: int, devices: int, wall: float, final: bool = False
    ) -> None:
        if not final and self.printed_at is not None and wall - self.printed_at < self.min_interval:
            return
        self.printed_at = wall
        if self.last_wall is not None and wall > self.last_wall:
            self.rate = (messages - self.last_messages) / (wall - self.last_wall)
        self.last_messages, self.last_wall = messages, wall
        share = min(1.0, max(0.0, elapsed_sim / self.duration))
        filled = int(share * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        line = (
            f"[{bar}] {share * 100:5.1f}%  sim {format_duration(elapsed_sim)}/{format_duration(self.duration)}"
            f"  {self.rate:8.0f} msg/s  {online}/{devices} online"
        )
        self.stream.write(("\r" + line) if self.interactive else line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()


def summary(name: str, stats: RunStats, elapsed_sim: float, wall: float, clock: str) -> str:
    """The closing report: totals, then one line per fleet."""
    totals = stats.as_dict()["totals"]
    sent = totals["messages"] + totals["events"] + totals["malformed"]
    lines = [
        f"scenario {name}: {format_duration(elapsed_sim)} simulated in {wall:.1f} s wall ({clock} clock)",
        f"  messages {totals['messages']}  events {totals['events']}  malformed {totals['malformed']}"
        f"  accepted {totals['accepted']}  ({sent / wall if wall > 0 else 0:.0f} msg/s)",
        f"  actions {totals['actions']} (refused {totals['refused']}, ignored {totals['ignored']})"
        f"  configurations {totals['configurations']}  diagnostics {totals['diagnostics']}",
        f"  offline spells {totals['offline_spells']}  reconnects {totals['reconnects']}",
        "  per fleet:",
    ]
    width = max([len(k) for k in stats.fleets] + [5])
    for fleet, counts in stats.fleets.items():
        lines.append(
            f"    {fleet:<{width}}  devices {counts.devices:>6}  messages {counts.messages:>9}"
            f"  events {counts.events:>7}"
            f"  actions {counts.actions:>5}  diagnostics {counts.diagnostics:>6}"
        )
    return "\n".join(lines)
