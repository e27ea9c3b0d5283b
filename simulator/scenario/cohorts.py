"""Cohorts: the devices of one fleet that report at the same moments, scheduled as one.

A device scheduled alone (`VirtualDevice.schedule`) puts its own tick in the clock moment's
bucket and puts it back one period later, every time. The devices of a fleet that share their
first moment share every later one too (same period), so a runner schedules them together: one
bucket entry per cohort and moment, one `FleetRuntime.report_due` pass over its devices. The
reports, their order and their values are those of the devices ticking alone (a cohort's
devices are contiguous in its moment's bucket either way).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.scenario.device import FleetRuntime, VirtualDevice
    from simulator.scenario.ticks import Ticks


class Cohort:
    def __init__(self, fleet: FleetRuntime, ticks: Ticks, due: float) -> None:
        self.fleet, self.ticks, self.due = fleet, ticks, due
        self.every = fleet.spec.every
        self.devices: list[VirtualDevice] = []
        ticks.add(due, self)

    def __call__(self) -> None:
        """The moment came: the next one is scheduled first (as a device's tick does), then the
        devices not stopped report. A device whose period changed leaves: it ticks alone."""
        at = self.due
        self.due = at + self.every
        reporting = self.devices = [device for device in self.devices if not device.stopped]
        if not self.fleet.regular:
            self.devices = []
            for device in reporting:
                if device.every == self.every:
                    self.devices.append(device)
                else:
                    device.schedule(at + device.every, self.ticks)
        if self.devices:
            self.ticks.add(self.due, self)
        self.fleet.report_due(reporting, at)


class Cohorts:
    """The cohorts of one runner's `Ticks`, made as its devices are armed."""

    def __init__(self, ticks: Ticks) -> None:
        self.ticks = ticks
        self.forming: dict[tuple[int, float], Cohort] = {}  # (id of the fleet, first moment) -> cohort

    def join(self, device: VirtualDevice, first: float) -> None:
        """`device` reports at `first` and every period after, with the fleet's others that do."""
        key = (id(device.fleet), first)
        cohort = self.forming.get(key)
        if cohort is None or cohort.due != first or cohort.fleet is not device.fleet:  # it has moved on
            cohort = self.forming[key] = Cohort(device.fleet, self.ticks, first)
        cohort.devices.append(device)
