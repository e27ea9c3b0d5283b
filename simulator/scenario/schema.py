"""The scenario format as strict frozen dataclasses (docs/scenarios.md explains every key).

The loader builds these from TOML by their type hints: each field is a key (`metadata["key"]`
when the TOML name differs), a field without a default is required, and `Annotated` markers
say how a value is read (durations, rates, expressions, templates, value tables). Checks that
involve more than one key live in `__post_init__` (a ValueError there names the table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

DURATION, RATE, EXPRESSION, TEMPLATE, VALUES = "duration", "rate", "expression", "template", "values"
Duration = Annotated[float, DURATION]  # "90s", "1h30m" or seconds
Rate = Annotated[float, RATE]  # "6/h" -> per second
Expr = Annotated[str, EXPRESSION]  # safe arithmetic (expressions.py)
Template = Annotated[str, TEMPLATE]  # "Luminaire {n:02d}", "{faker.mac_address}"
Values = Annotated[dict[str, Any], VALUES]  # literal values; a string "=expr" is an expression

CLOCKS = ("realtime", "stepped", "manual")


def check_clock(text: str) -> str:
    """realtime | stepped | manual | scaled:N (N > 0)."""
    if text in CLOCKS:
        return text
    if text.startswith("scaled:"):
        try:
            speed = float(text.split(":", 1)[1])
        except ValueError:
            speed = 0.0
        if speed > 0:
            return text
    raise ValueError(f"clock must be realtime, stepped, manual or scaled:N (N > 0), not {text!r}")


@dataclass(frozen=True)
class ScenarioInfo:
    name: str
    description: str = ""
    seed: int = 0
    clock: str = "realtime"
    duration: Duration | None = None
    start: str | None = None  # RFC 3339: where stepped/manual runs begin
    vary: str = ""  # variation mode for `olt-sim serve` ("on", "omit,timestamps=0.8"; docs/vary.md)

    def __post_init__(self) -> None:
        check_clock(self.clock)
        if self.vary:
            from simulator.vary.kinds import parse_spec

            parse_spec(self.vary)
        if self.start is not None:
            from simulator.core.clock import parse_time

            parse_time(self.start)


@dataclass(frozen=True)
class TenantSpec:
    name: str
    owner: str = "owner@example.com"


@dataclass(frozen=True)
class UserSpec:
    email: str
    first_name: str = ""
    last_name: str = ""
    tenant: str | None = None
    role: Literal["owner", "writer", "reader"] = "reader"


@dataclass(frozen=True)
class ReportingRuleSpec:
    path: str
    report_to: tuple[Literal["timeseries", "deviceManagement"], ...] = ("timeseries",)


@dataclass(frozen=True)
class DeviceTypeSpec:
    name: str
    tenant: str | None = None
    manufacturer: str = ""
    model: str = ""
    description: str = ""
    categories: tuple[str, ...] = ()
    schema: dict[Literal["attributes", "configuration", "events", "actions"], dict[str, Any]] = field(
        default_factory=dict
    )
    reporting_rules: tuple[ReportingRuleSpec, ...] = ()
    communication_interval: int | None = None

    @property
    def sections(self) -> dict[str, dict[str, Any]]:
        """`schema` with plain string keys (the Literal keys only serve the loader's check)."""
        return {str(k): v for k, v in self.schema.items()}

    def section(self, name: str) -> dict[str, Any]:
        return self.sections.get(name) or {}

    def declared(self, section: str) -> set[str]:
        return {k for k in self.section(section) if k != "additionalProperties"}


# ---- generators: one dataclass per kind, chosen by the key `generator` ------------------------


@dataclass(frozen=True)
class GeneratorSpec:
    kind: ClassVar[str] = ""
    decimals: int | None = None  # round numeric output


@dataclass(frozen=True)
class RandomSpec(GeneratorSpec):
    kind: ClassVar[str] = "random"
    min: float = 0.0
    max: float = 1.0
    integer: bool = False

    def __post_init__(self) -> None:
        if self.max < self.min:
            raise ValueError("max must not be below min")


@dataclass(frozen=True)
class CounterSpec(GeneratorSpec):
    kind: ClassVar[str] = "counter"
    start: float = 0
    step: float = 1
    max: float | None = None  # wraps back to start past max


@dataclass(frozen=True)
class ChoiceSpec(GeneratorSpec):
    kind: ClassVar[str] = "choice"
    values: tuple[Any, ...] = ()
    weights: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.values:
            raise ValueError("values must list at least one value")
        if self.weights and len(self.weights) != len(self.values):
            raise ValueError("weights must have one entry per value")
        if self.weights and (min(self.weights) < 0 or sum(self.weights) <= 0):
            raise ValueError("weights must be non-negative and not all zero")


@dataclass(frozen=True)
class WalkSpec(GeneratorSpec):
    kind: ClassVar[str] = "walk"
    min: float = 0.0
    max: float = 100.0
    start: float | None = None  # None: uniform in [min, max] per device
    step: float = 1.0
    p_up: float = 0.5
    p_down: float = 0.5

    def __post_init__(self) -> None:
        if self.max < self.min:
            raise ValueError("max must not be below min")
        if self.start is not None and not self.min <= self.start <= self.max:
            raise ValueError("start must lie within [min, max]")
        if self.p_up < 0 or self.p_down < 0 or self.p_up + self.p_down > 1:
            raise ValueError("p_up and p_down must be probabilities adding up to at most 1")


@dataclass(frozen=True)
class CycleSpec(GeneratorSpec):
    """mean + amplitude * cos(2 pi (t - peak) / period) + gauss(0, noise); peak is time of day for 24 h."""

    kind: ClassVar[str] = "cycle"
    mean: float = 0.0
    amplitude: float = 1.0
    period: Duration = 86400.0
    peak: Duration = 0.0
    noise: float = 0.0
    min: float | None = None
    max: float | None = None

    def __post_init__(self) -> None:
        if self.period <= 0:
            raise ValueError("period must be positive")


@dataclass(frozen=True)
class DecaySpec(GeneratorSpec):
    """end + (start - end) * 0.5 ** (elapsed / half_life) (+ noise); `set` by a reaction restarts it."""

    kind: ClassVar[str] = "decay"
    start: float = 100.0
    end: float = 0.0
    half_life: Duration = 3600.0
    noise: float = 0.0

    def __post_init__(self) -> None:
        if self.half_life <= 0:
            raise ValueError("half_life must be positive")


@dataclass(frozen=True)
class ExpressionSpec(GeneratorSpec):
    kind: ClassVar[str] = "expression"
    expr: Expr = ""


@dataclass(frozen=True)
class CsvSpec(GeneratorSpec):
    """Replay a column of a CSV file (path relative to the scenario file), by row or by time offset."""

    kind: ClassVar[str] = "csv"
    file: str = ""
    column: str = ""
    time_column: str | None = None  # seconds from the start of the series
    loop: bool = True


@dataclass(frozen=True)
class FixedSpec(GeneratorSpec):
    """One value per device: `value`, or drawn once from `values` or from [min, max]."""

    kind: ClassVar[str] = "fixed"
    value: Any = None
    values: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    integer: bool = False

    def __post_init__(self) -> None:
        ways = (self.value is not None) + bool(self.values) + (self.min is not None or self.max is not None)
        if ways != 1:
            raise ValueError("give exactly one of value, values, or min and max")
        if (self.min is None) != (self.max is None):
            raise ValueError("min and max go together")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError("max must not be below min")


@dataclass(frozen=True)
class GeoSpec(GeneratorSpec):
    """A point {latitude, longitude} within `radius` metres of the center; `moving` redraws each report."""

    kind: ClassVar[str] = "geo"
    latitude: float = 0.0
    longitude: float = 0.0
    radius: float = 100.0
    moving: bool = False

    def __post_init__(self) -> None:
        if not -90 <= self.latitude <= 90 or not -180 <= self.longitude <= 180:
            raise ValueError("latitude must be within [-90, 90] and longitude within [-180, 180]")
        if self.radius < 0:
            raise ValueError("radius cannot be negative")


GENERATORS: dict[str, type[GeneratorSpec]] = {
    cls.kind: cls
    for cls in (
        RandomSpec,
        CounterSpec,
        ChoiceSpec,
        WalkSpec,
        CycleSpec,
        DecaySpec,
        ExpressionSpec,
        CsvSpec,
        FixedSpec,
        GeoSpec,
    )
}


# ---- behaviour -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventSpec:
    """An event type emitted at a Poisson `rate`, with a `probability` per report, or `when` a condition turns true."""

    type: str
    rate: Rate | None = None
    probability: float | None = None
    when: Expr | None = None
    value: Values = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.rate is None and self.probability is None and self.when is None:
            raise ValueError("give a trigger: rate, probability or when")
        if self.rate is not None and (self.probability is not None or self.when is not None):
            raise ValueError("rate cannot be combined with probability or when")
        if self.probability is not None and not 0 <= self.probability <= 1:
            raise ValueError("probability must be within [0, 1]")


@dataclass(frozen=True)
class ActionReaction:
    """What a device does on an action: refuse, or set attributes, emit an event, report after `delay`."""

    set: Values = field(default_factory=dict)
    delay: Duration = 0.0
    emit: str | None = None
    emit_value: Values = field(default_factory=dict)
    refuse: bool | Expr = False
    refuse_event: str | None = None
    report: bool = True


@dataclass(frozen=True)
class ConfigReaction:
    """On a desired-configuration change: apply it, report it back after `delay`, set attributes."""

    apply: bool = True
    delay: Duration = 1.0
    set: Values = field(default_factory=dict)


@dataclass(frozen=True)
class FaultSpec:
    malformed: float = 0.0  # probability per report of a malformed message instead
    offline_rate: Rate | None = None  # offline spells per device
    offline_for: tuple[Duration, ...] = (600.0,)  # one duration, or [shortest, longest]

    def __post_init__(self) -> None:
        if not 0 <= self.malformed <= 1:
            raise ValueError("malformed must be a probability within [0, 1]")
        if len(self.offline_for) not in (1, 2) or self.offline_for[0] > self.offline_for[-1]:
            raise ValueError("offline_for is one duration or [shortest, longest]")


@dataclass(frozen=True)
class FleetSpec:
    device_type: str
    count: int = 1
    tenant: str | None = None  # default: the device type's tenant
    name: Template = "{fleet} {n}"
    description: Template = ""
    aliases: tuple[Template, ...] = ()
    tags: tuple[Template, ...] = ()
    location: Template | None = None
    coordinates: GeoSpec | None = None
    connected_by: str | None = None  # a gateway fleet: it reports for these devices and receives their commands
    address: Literal["id", "alias"] = "id"  # how the gateway names a device in its messages
    every: Duration = 60.0
    transport: Literal["auto", "mqtt", "in-process"] = "auto"
    auth: Literal["certificate", "password"] = "certificate"
    communication_interval: int | None = None
    configuration: dict[str, Any] = field(default_factory=dict)  # desired configuration at creation
    custom: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, GeneratorSpec] = field(default_factory=dict)
    events: tuple[EventSpec, ...] = ()
    actions: dict[str, ActionReaction] = field(default_factory=dict)
    on_configuration: ConfigReaction = field(default_factory=ConfigReaction)
    faults: FaultSpec = field(default_factory=FaultSpec)

    def __post_init__(self) -> None:
        if not 0 <= self.count <= 1_000_000:
            raise ValueError("count must be within [0, 1000000]")
        if self.every <= 0:
            raise ValueError("every must be a positive duration")
        if self.address == "alias" and not self.aliases:
            raise ValueError("address = 'alias' needs aliases")


TIMELINE_ACTIONS = ("offline", "online", "reconnect", "malformed", "rate", "action", "configure")
#: The keys each timeline `do` needs (besides at, do, fleet, share, repeat) and those it accepts.
TIMELINE_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "offline": ((), ("for_",)),
    "online": ((), ()),
    "reconnect": ((), ()),
    "malformed": ((), ("count",)),
    "rate": (("every",), ()),
    "action": (("action",), ("payload",)),
    "configure": (("configuration",), ()),
}


@dataclass(frozen=True)
class TimelineStep:
    at: Duration
    do: Literal["offline", "online", "reconnect", "malformed", "rate", "action", "configure"]
    fleet: str
    share: float = 1.0
    repeat: Duration | None = None
    for_: Duration | None = field(default=None, metadata={"key": "for"})
    count: int | None = None
    every: Duration | None = None
    action: str | None = None
    payload: dict[str, Any] | None = None
    configuration: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1:
            raise ValueError("share must be within [0, 1]")
        if self.repeat is not None and self.repeat <= 0:
            raise ValueError("repeat must be a positive duration")
        required, optional = TIMELINE_KEYS[self.do]
        for name in required:
            if getattr(self, name) is None:
                raise ValueError(f"do = {self.do!r} needs {name.rstrip('_')}")
        for name in ("for_", "count", "every", "action", "payload", "configuration"):
            if name not in required + optional and getattr(self, name) is not None:
                raise ValueError(f"do = {self.do!r} takes no {name.rstrip('_')}")
        if self.every is not None and self.every <= 0:
            raise ValueError("every must be a positive duration")


@dataclass(frozen=True)
class Scenario:
    info: ScenarioInfo = field(metadata={"key": "scenario"})
    tenants: tuple[TenantSpec, ...] = ()
    users: tuple[UserSpec, ...] = ()
    device_types: dict[str, DeviceTypeSpec] = field(default_factory=dict)
    fleets: dict[str, FleetSpec] = field(default_factory=dict)
    timeline: tuple[TimelineStep, ...] = ()
    faults: tuple[dict[str, Any], ...] = ()  # platform fault rules (docs/faults.md); after/for count from the start
    path: Path | None = field(default=None, metadata={"toml": False})

    @property
    def device_count(self) -> int:
        return sum(f.count for f in self.fleets.values())
