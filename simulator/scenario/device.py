"""A virtual device: its generators, its random stream, its reported state and its report tick.

Transport-neutral: what it sends goes through its `link` (in-process pipeline or a real MQTT
client, links.py); what it receives (actions, configuration) arrives through reactions.py.
Everything here runs on the simulator's loop and reads time only from the simulator clock.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from simulator.scenario import schema
from simulator.scenario.checks import attribute_order
from simulator.scenario.expressions import Env, Expression, ExpressionError, compile_expression, random_functions
from simulator.scenario.generators import Generator, make_generator, reads_env

if TYPE_CHECKING:
    from simulator.core.clock import Clock
    from simulator.scenario.stats import FleetStats
    from simulator.scenario.ticks import Ticks

log = logging.getLogger(__name__)
CALENDAR_NAMES = frozenset({"hour", "minute", "second", "day", "weekday"})
NOTHING_HELD: frozenset[str] = frozenset()


class Link(Protocol):
    """How a device's messages leave it (links.py)."""

    via_bus: bool  # reactions come from the simulator's bus (in-process) rather than a subscription

    def attach(self, device: VirtualDevice) -> None: ...
    def connect(self, device: VirtualDevice) -> None: ...
    def disconnect(self, device: VirtualDevice) -> None: ...
    def reconnect(self, device: VirtualDevice) -> None: ...
    # each returns whether the message left the device (an offline MQTT session drops it)
    def data(self, device: VirtualDevice, kind: str, value: dict[str, Any]) -> bool: ...
    def event(self, device: VirtualDevice, event_type: str, value: dict[str, Any]) -> bool: ...
    def malformed(self, device: VirtualDevice) -> bool: ...
    def close(self) -> None: ...


class CompiledValues:
    """A `Values` table: literals as they are, "=expr" strings evaluated per use."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.items: list[tuple[str, Expression | None, Any]] = [
            (k, compile_expression(v[1:]), None) if isinstance(v, str) and v.startswith("=") else (k, None, v)
            for k, v in values.items()
        ]

    def evaluate(self, env: Env) -> dict[str, Any]:
        return {k: (e.evaluate(env) if e is not None else v) for k, e, v in self.items}

    def __bool__(self) -> bool:
        return bool(self.items)

    def names(self) -> set[str]:
        return {name for _, e, _ in self.items if e is not None for name in e.names}


@dataclass
class CompiledEvent:
    spec: schema.EventSpec
    when: Expression | None
    value: CompiledValues


@dataclass
class CompiledReaction:
    spec: schema.ActionReaction
    set: CompiledValues
    emit_value: CompiledValues
    refuse: Expression | None


@dataclass
class FleetRuntime:
    """One fleet as it runs: compiled behaviour shared by its devices, ids from provisioning."""

    name: str
    spec: schema.FleetSpec
    type_spec: schema.DeviceTypeSpec
    tenant_id: str
    device_type_id: str
    base: Path
    stats: FleetStats
    order: list[str] = field(default_factory=list)
    events: list[CompiledEvent] = field(default_factory=list)
    actions: dict[str, CompiledReaction] = field(default_factory=dict)
    config_set: CompiledValues = field(default_factory=lambda: CompiledValues({}))
    devices: list[VirtualDevice] = field(default_factory=list)
    malformed: tuple[tuple[str, str, dict[str, Any]], ...] = ()
    calendar: bool = True  # whether any expression reads hour/minute/second/day/weekday
    #: Whether anything reads the devices' `env` (an expression, or a generator such as `cycle`):
    #: when nothing does, reports leave it alone (it is one more block of memory per device).
    keeps_env: bool = True
    tick_events: list[tuple[int, CompiledEvent]] = field(default_factory=list)  # events checked per report
    malformed_probability: float = 0.0
    regular: bool = True  # every device reports at the fleet's period (until a timeline `rate` step)

    def __post_init__(self) -> None:
        from simulator.scenario.links import malformed_messages

        spec = self.spec
        self.malformed = malformed_messages(self.type_spec)
        self.order = attribute_order(spec)
        self.events = [
            CompiledEvent(e, compile_expression(e.when) if e.when else None, CompiledValues(e.value))
            for e in spec.events
        ]
        self.actions = {
            name: CompiledReaction(
                r,
                CompiledValues(r.set),
                CompiledValues(r.emit_value),
                compile_expression(r.refuse) if isinstance(r.refuse, str) else None,
            )
            for name, r in spec.actions.items()
        }
        self.config_set = CompiledValues(spec.on_configuration.set)
        names = self._names_read()
        self.calendar = bool(CALENDAR_NAMES & names)
        self.keeps_env = bool(names) or any(reads_env(generator) for generator in spec.attributes.values())
        self.tick_events = [(n, e) for n, e in enumerate(self.events) if e.spec.rate is None]
        self.malformed_probability = spec.faults.malformed

    def make_generators(self, rng: random.Random) -> list[tuple[str, Generator]]:
        """A device's generators, in dependency order, drawing from its stream `rng`."""
        return [(name, make_generator(self.spec.attributes[name], rng, self.base)) for name in self.order]

    def report_due(self, devices: Iterable[VirtualDevice], at: float) -> None:
        """The scheduled reports of some of this fleet's devices due at `at` (each that is
        reachable: a malformed message or its attributes, then the per-report events). One pass
        with the fleet's settings read once: the hot path of every run."""
        malformed, tick_events, stats, calendar, keeps_env = (
            self.malformed_probability,
            self.tick_events,
            self.stats,
            self.calendar,
            self.keeps_env,
        )
        for device in devices:
            link = device.link
            if link is None or not device.online or (device.gateway is not None and not device.gateway.reachable):
                continue
            if calendar:
                device.set_time(at)
            elif keeps_env:  # set_time without the calendar names
                env = device.env
                env["now"], env["t"] = at, at - device.t0
            if malformed and device.rng.random() < malformed:
                stats.malformed += link.malformed(device)
                continue
            values = device.sample()
            if values:
                stats.messages += link.data(device, "attributes", values)
            for number, event in tick_events:
                device.maybe_emit(number, event)

    def _names_read(self) -> set[str]:
        names: set[str] = set()
        for generator in self.spec.attributes.values():
            if isinstance(generator, schema.ExpressionSpec):
                names |= compile_expression(generator.expr).names
        for event in self.events:
            names |= event.when.names if event.when else set()
            names |= event.value.names()
        for reaction in self.actions.values():
            names |= reaction.set.names() | reaction.emit_value.names()
            names |= reaction.refuse.names if reaction.refuse else set()
        return names | self.config_set.names()


class VirtualDevice:
    """One simulated device of a fleet (sub-devices of a gateway report through it)."""

    def __init__(
        self,
        fleet: FleetRuntime,
        index: int,
        device_id: str,
        aliases: list[str],
        rng: random.Random,
        clock: Clock,
        t0: float,
        gateway: VirtualDevice | None = None,
    ) -> None:
        self.fleet, self.index, self.device_id, self.aliases = fleet, index, device_id, aliases
        self.rng, self.clock, self.t0, self.gateway = rng, clock, t0, gateway
        self.tenant_id = fleet.tenant_id
        self.stats = fleet.stats  # the fleet's counters, one lookup less per report
        self.address = aliases[0] if fleet.spec.address == "alias" and aliases else device_id
        self.every = fleet.spec.every
        self.generators = fleet.make_generators(rng)
        self.values: dict[str, Any] = {}  # the last report (and what reactions set since)
        self.carries = False  # whether `values` holds names no generator makes (a reaction set them)
        self.configuration: dict[str, Any] = {}
        self.held: frozenset[str] = NOTHING_HELD  # replaced, not changed: the empty one is shared
        self.online = True
        self.link: Link | None = None
        self.edges = [False] * len(fleet.events)
        self.timers: list[Any] = []  # pending reaction / event / fault timers
        self.ticks: Ticks = None  # type: ignore[assignment]  # set by schedule()
        self.stopped = False
        self.due = 0.0
        self.env: dict[str, Any] = {
            **random_functions(rng),
            "n": index + 1,
            "i": index,
            "count": fleet.spec.count,
            "configuration": self.configuration,
        }
        self._tick: Callable[[], None] = self.tick

    @property
    def sender(self) -> VirtualDevice:
        """The device that carries this one's messages: itself or its gateway."""
        return self.gateway if self.gateway is not None else self

    @property
    def reachable(self) -> bool:
        return self.online and (self.gateway is None or self.gateway.reachable)

    # ------------------------------------------------------------------ time

    def set_time(self, now: float) -> None:
        env = self.env
        env["now"], env["t"] = now, now - self.t0
        if not self.fleet.calendar:
            return
        seconds_of_day = now % 86400.0
        env["hour"], env["minute"], env["second"] = seconds_of_day / 3600.0, seconds_of_day % 3600.0 / 60.0, now % 60.0
        env["day"], env["weekday"] = (now - self.t0) / 86400.0, int((now // 86400.0 + 3) % 7)

    def set_period(self, every: float) -> None:
        """Report every `every` seconds from the next report on (a timeline `rate` step)."""
        self.every = every
        if every != self.fleet.spec.every:
            self.fleet.regular = False

    def schedule(self, first: float, ticks: Ticks) -> None:
        self.due, self.ticks = first, ticks
        ticks.add(first, self._tick)

    def later(self, delay: float, callback: Callable[[], None]) -> None:
        self.timers.append(self.clock.call_later(delay, callback))
        if len(self.timers) > 64:
            self.timers = [t for t in self.timers if not t.cancelled and t.due >= self.clock.time()]

    def cancel(self) -> None:
        self.stopped = True
        for timer in self.timers:
            timer.cancel()
        self.timers.clear()

    # ------------------------------------------------------------------ reports

    def sample(self) -> dict[str, Any]:
        """One value per generated attribute (held ones keep theirs), in dependency order.

        The report is a new dict that nothing changes afterwards (it becomes `values`; `apply`
        replaces rather than edits it), so the pipeline can keep it without a copy."""
        env, previous, held, keeps_env = self.env, self.values, self.held, self.fleet.keeps_env
        values = dict(previous) if self.carries else {}
        for name, generator in self.generators:
            if held and name in held and name in previous:
                values[name] = env[name] = previous[name]
                continue
            try:
                value = generator.next(env)
            except ExpressionError as error:
                self.fleet.stats.errors += 1
                log.debug("%s/%d: %s: %s", self.fleet.name, self.index, name, error)
                if name in previous:  # the last value stands
                    values[name] = previous[name]
                continue
            values[name] = value
            if keeps_env:
                env[name] = value
        self.values = values
        return values

    def tick(self) -> None:
        """Report on schedule (if online), then evaluate the per-report events; the next tick is
        one period later (devices scheduled alone; a runner's devices report in cohorts.py)."""
        if self.stopped:
            return
        due = self.due = self.due + self.every
        self.ticks.add(due, self._tick)
        self.fleet.report_due((self,), due - self.every)

    def report(self) -> None:
        assert self.link is not None
        values = self.sample()
        if values:
            self.fleet.stats.messages += self.link.data(self, "attributes", values)

    def report_configuration(self) -> None:
        if self.link is not None and self.reachable:
            self.fleet.stats.messages += self.link.data(self, "configuration", dict(self.configuration))

    def maybe_emit(self, number: int, event: CompiledEvent) -> None:
        fired = True
        if event.when is not None:
            try:
                now_true = bool(event.when.evaluate(self.env))
            except ExpressionError:
                now_true = False
            fired = now_true and not self.edges[number]
            self.edges[number] = now_true
        if fired and event.spec.probability is not None:
            fired = self.rng.random() < event.spec.probability
        if fired:
            self.emit(event.spec.type, event.value)

    def emit(self, event_type: str, value: CompiledValues, env: Env | None = None) -> None:
        if self.link is None or not self.reachable:
            return
        try:
            body = value.evaluate(env if env is not None else self.env)
        except ExpressionError as error:
            self.fleet.stats.errors += 1
            log.debug("%s/%d: event %s: %s", self.fleet.name, self.index, event_type, error)
            return
        self.fleet.stats.events += self.link.event(self, event_type, body)

    def schedule_rate_event(self, number: int) -> None:
        """Poisson arrivals: the next one an exponential wait away, on the simulator clock."""
        event = self.fleet.events[number]
        rate = event.spec.rate
        if not rate:
            return

        def fire() -> None:
            self.set_time(self.clock.time())
            self.emit(event.spec.type, event.value)
            self.schedule_rate_event(number)

        self.later(self.rng.expovariate(rate), fire)

    # ------------------------------------------------------------------ state changes

    def apply(self, values: dict[str, Any], hold: bool = True) -> None:
        """Values set by a reaction: stateful generators continue from them; held until set again."""
        self.values = {**self.values, **values}  # a new dict: the last report may still be on its way
        self.carries = self.carries or any(name not in self.fleet.order for name in values)
        for name, value in values.items():
            self.env[name] = value
            for gen_name, generator in self.generators:
                if gen_name == name:
                    generator.reset(value, self.env)
            if hold:
                self.held = self.held | {name}
            else:
                self.held = self.held - {name}

    def go_offline(self, duration: float | None) -> None:
        if self.online:
            self.online = False
            self.fleet.stats.offline_spells += 1
            if self.link is not None:
                self.link.disconnect(self)
        if duration is not None:
            self.later(duration, self.go_online)

    def go_online(self) -> None:
        if not self.online:
            self.online = True
            if self.link is not None:
                self.link.connect(self)

    def schedule_offline_spells(self) -> None:
        faults = self.fleet.spec.faults
        if not faults.offline_rate:
            return

        def spell() -> None:
            low, high = faults.offline_for[0], faults.offline_for[-1]
            duration = self.rng.uniform(low, high) if high > low else low
            self.go_offline(duration)
            self.later(duration, self.schedule_offline_spells)

        self.later(self.rng.expovariate(faults.offline_rate), spell)
