"""Attribute generators: per-device value streams built from the frozen specs in schema.py.

Each device gets its own generator instances and its own `random.Random` (derived from the
scenario seed), so a device's values depend only on the seed, its fleet and its index. `next`
receives the device's expression environment (time names, other attributes, configuration).
"""

from __future__ import annotations

import bisect
import csv
import math
import random
from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from simulator.scenario import schema
from simulator.scenario.expressions import Env, compile_expression

#: Names every device-side expression can read, besides attributes and the random functions.
TIME_NAMES = ("t", "now", "hour", "minute", "second", "day", "weekday")
DEVICE_NAMES = ("n", "i", "count", "configuration")
EARTH_METRES_PER_DEGREE = 111_320.0


class Generator(ABC):
    """One attribute's stream for one device."""

    #: Whether `draw` reads the device's environment (time names, other attributes): a fleet
    #: whose generators and expressions read nothing of it does not keep it up to date.
    reads_env: ClassVar[bool] = False

    def __init__(self, spec: schema.GeneratorSpec, rng: random.Random) -> None:
        self.spec = spec
        self.rng = rng
        self.decimals = spec.decimals

    @abstractmethod
    def draw(self, env: Env) -> Any:
        """The next raw value (before rounding)."""

    def next(self, env: Env) -> Any:
        """The next value as reported: the draw, its floats rounded to `decimals` (0 or less: to an int).

        A method rather than a closure made per generator: a stepped run calls it for 10,000
        devices per clock moment, and every object it passes through is one more cache miss."""
        value = self.draw(env)
        decimals = self.decimals
        if decimals is None or not isinstance(value, float):
            return value
        return round(value, decimals) if decimals > 0 else round(value)

    def reset(self, value: Any, env: Env) -> None:  # noqa: B027  (a hook: stateless generators ignore it)
        """A reaction set the attribute: stateful generators continue from `value`."""


class RandomGen(Generator):
    spec: schema.RandomSpec

    def draw(self, env: Env) -> Any:
        if self.spec.integer:
            return self.rng.randint(math.ceil(self.spec.min), math.floor(self.spec.max))
        return self.rng.uniform(self.spec.min, self.spec.max)


class CounterGen(Generator):
    spec: schema.CounterSpec

    def __init__(self, spec: schema.CounterSpec, rng: random.Random) -> None:
        super().__init__(spec, rng)
        self.value: float | None = None

    def draw(self, env: Env) -> Any:
        spec = self.spec
        if self.value is None:
            self.value = spec.start
        else:
            self.value += spec.step
            if spec.max is not None and self.value > spec.max:
                self.value = spec.start
        return self.value

    def reset(self, value: Any, env: Env) -> None:
        if isinstance(value, int | float):
            self.value = value


class ChoiceGen(Generator):
    spec: schema.ChoiceSpec

    def draw(self, env: Env) -> Any:
        if self.spec.weights:
            return self.rng.choices(self.spec.values, self.spec.weights)[0]
        return self.rng.choice(self.spec.values)


class WalkGen(Generator):
    spec: schema.WalkSpec

    def __init__(self, spec: schema.WalkSpec, rng: random.Random) -> None:
        super().__init__(spec, rng)
        self.value = spec.start if spec.start is not None else rng.uniform(spec.min, spec.max)
        self.started = False

    def draw(self, env: Env) -> Any:
        spec = self.spec
        if self.started:
            roll = self.rng.random()
            if roll < spec.p_up:
                self.value = min(spec.max, self.value + spec.step)
            elif roll < spec.p_up + spec.p_down:
                self.value = max(spec.min, self.value - spec.step)
        self.started = True
        return self.value

    def reset(self, value: Any, env: Env) -> None:
        if isinstance(value, int | float):
            self.value = min(self.spec.max, max(self.spec.min, float(value)))


class CycleGen(Generator):
    spec: schema.CycleSpec
    reads_env = True

    def draw(self, env: Env) -> Any:
        spec = self.spec
        phase = ((env["now"] - spec.peak) % spec.period) / spec.period
        value = spec.mean + spec.amplitude * math.cos(2 * math.pi * phase)
        if spec.noise:
            value += self.rng.gauss(0.0, spec.noise)
        if spec.min is not None:
            value = max(spec.min, value)
        if spec.max is not None:
            value = min(spec.max, value)
        return value


class DecayGen(Generator):
    spec: schema.DecaySpec
    reads_env = True

    def __init__(self, spec: schema.DecaySpec, rng: random.Random) -> None:
        super().__init__(spec, rng)
        self.origin: float | None = None
        self.start = spec.start

    def draw(self, env: Env) -> Any:
        spec = self.spec
        if self.origin is None:
            self.origin = env["t"]
        elapsed = env["t"] - self.origin
        value = spec.end + (self.start - spec.end) * 0.5 ** (elapsed / spec.half_life)
        if spec.noise:
            value += self.rng.gauss(0.0, spec.noise)
        low, high = sorted((spec.end, self.start))
        return min(high, max(low, value))

    def reset(self, value: Any, env: Env) -> None:
        if isinstance(value, int | float):
            self.start, self.origin = float(value), env["t"]


class ExpressionGen(Generator):
    spec: schema.ExpressionSpec
    reads_env = True

    def __init__(self, spec: schema.ExpressionSpec, rng: random.Random) -> None:
        super().__init__(spec, rng)
        self.expression = compile_expression(spec.expr)

    def draw(self, env: Env) -> Any:
        return self.expression.evaluate(env)


class CsvGen(Generator):
    spec: schema.CsvSpec
    reads_env = True

    def __init__(self, spec: schema.CsvSpec, rng: random.Random, base: Path) -> None:
        super().__init__(spec, rng)
        self.times, self.values = read_series(str(base / spec.file), spec.column, spec.time_column)
        self.row = -1

    def draw(self, env: Env) -> Any:
        if not self.times:
            self.row += 1
            if self.row >= len(self.values):
                self.row = 0 if self.spec.loop else len(self.values) - 1
            return self.values[self.row]
        offset = env["t"]
        span = self.times[-1]
        if self.spec.loop and span > 0:
            offset %= span
        index = max(0, bisect.bisect_right(self.times, offset) - 1)
        return self.values[index]


class FixedGen(Generator):
    spec: schema.FixedSpec

    def __init__(self, spec: schema.FixedSpec, rng: random.Random) -> None:
        super().__init__(spec, rng)
        if spec.values:
            self.value = rng.choice(spec.values)
        elif spec.min is not None and spec.max is not None:
            if spec.integer:
                self.value = rng.randint(math.ceil(spec.min), math.floor(spec.max))
            else:
                self.value = rng.uniform(spec.min, spec.max)
        else:
            self.value = spec.value

    def draw(self, env: Env) -> Any:
        return self.value

    def reset(self, value: Any, env: Env) -> None:
        self.value = value


class GeoGen(Generator):
    spec: schema.GeoSpec

    def __init__(self, spec: schema.GeoSpec, rng: random.Random) -> None:
        super().__init__(spec, rng)
        self.point = geo_point(spec, rng)

    def draw(self, env: Env) -> Any:
        if self.spec.moving:
            self.point = geo_point(self.spec, self.rng)
        return dict(self.point)


def geo_point(spec: schema.GeoSpec, rng: random.Random) -> dict[str, float]:
    """A uniformly distributed point in the disc of `radius` metres around the center."""
    distance = spec.radius * math.sqrt(rng.random())
    angle = 2 * math.pi * rng.random()
    latitude = spec.latitude + distance * math.cos(angle) / EARTH_METRES_PER_DEGREE
    scale = max(1e-9, math.cos(math.radians(spec.latitude)))
    longitude = spec.longitude + distance * math.sin(angle) / (EARTH_METRES_PER_DEGREE * scale)
    digits = 7 if spec.decimals is None else spec.decimals
    return {"latitude": round(latitude, digits), "longitude": round(longitude, digits)}


@lru_cache(maxsize=64)
def read_series(path: str, column: str, time_column: str | None) -> tuple[tuple[float, ...], tuple[Any, ...]]:
    """Values of `column` (numbers where they parse) and, with `time_column`, their offsets in seconds."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        raise ValueError(f"{path}: no data rows")
    for name in filter(None, (column, time_column)):
        if name not in rows[0]:
            raise ValueError(f"{path}: no column {name!r} (columns: {', '.join(rows[0])})")
    values = tuple(_number(row[column]) for row in rows)
    if time_column is None:
        return (), values
    times = []
    for number, row in enumerate(rows, start=2):
        try:
            times.append(float(row[time_column]))
        except (TypeError, ValueError):
            raise ValueError(f"{path}:{number}: {time_column} must be seconds from the start") from None
    if times != sorted(times):
        raise ValueError(f"{path}: {time_column} must not decrease")
    return tuple(times), values


def _number(text: str | None) -> Any:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        return text
    return int(value) if value.is_integer() and "." not in text and "e" not in text.lower() else value


_KINDS: dict[type[schema.GeneratorSpec], type[Generator]] = {
    schema.RandomSpec: RandomGen,
    schema.CounterSpec: CounterGen,
    schema.ChoiceSpec: ChoiceGen,
    schema.WalkSpec: WalkGen,
    schema.CycleSpec: CycleGen,
    schema.DecaySpec: DecayGen,
    schema.ExpressionSpec: ExpressionGen,
    schema.FixedSpec: FixedGen,
    schema.GeoSpec: GeoGen,
    schema.CsvSpec: CsvGen,  # made with the scenario's directory (make_generator)
}


def make_generator(spec: schema.GeneratorSpec, rng: random.Random, base: Path) -> Generator:
    if isinstance(spec, schema.CsvSpec):
        return CsvGen(spec, rng, base)
    return _KINDS[type(spec)](spec, rng)


def reads_env(spec: schema.GeneratorSpec) -> bool:
    """Whether the generator of `spec` reads the device's environment when it draws."""
    return _KINDS[type(spec)].reads_env
