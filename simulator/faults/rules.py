"""Fault rules as data: parse and check `{"match", "effect", "count", "probability", "after", "for"}`.

A rule is read once, here, into a `FaultRule`; the transports then only ask "does a rule fire
for this?" (book.py). Every refusal names the field it is about (`effect.status`, `for` ...), so
`POST /_sim/faults` and a scenario's `[[faults]]` report the same problems.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from contracts import spec
from simulator.scenario.units import parse_duration

PROTOCOLS = ("http", "mqtt", "stream")
RULE_KEYS = ("match", "effect", "count", "probability", "after", "for")
CLOCKS = ("simulated", "real")

#: Which match keys each protocol understands.
MATCH_KEYS: dict[str, tuple[str, ...]] = {
    "http": ("protocol", "operationId", "method", "path", "tenant", "user", "client"),
    "mqtt": ("protocol", "direction", "topic", "device", "fleet"),
    "stream": ("protocol", "tenant", "device", "type"),
}
#: Effects per protocol; the value says which extra keys the effect accepts beside its own.
EFFECTS: dict[str, dict[str, tuple[str, ...]]] = {
    "http": {
        "status": ("retryAfter", "message"),
        "delay": ("clock",),
        "reset": (),
        "truncate": (),
        "rateLimit": ("window",),
    },
    "mqtt": {
        "drop": (),
        "duplicate": (),
        "delay": ("clock",),
        "reorder": ("within",),
        "disconnect": (),
        "refuseConnect": (),
        "outage": (),
    },
    "stream": {"drop": ("code",), "delay": ("clock",), "gap": ()},
}
#: MQTT effects decided when a client connects (they ignore direction and topic).
CONNECT_EFFECTS = frozenset({"refuseConnect", "outage"})
DEFAULT_RETRY_AFTER = 1  # seconds, for a 429 / 503 without an explicit retryAfter


class RuleError(ValueError):
    """A rule that cannot be used; `field` is the dotted path of the offending key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass
class FaultRule:
    """One parsed rule plus its live counters (kept by the book, shown by GET /_sim/faults)."""

    id: str
    protocol: str
    kind: str  # the effect's name: "status", "drop", ...
    match: dict[str, Any]
    effect: dict[str, Any]
    given: dict[str, Any]  # the rule as it was written (count/probability/after/for echoed back)
    count: int | None = None
    probability: float | None = None
    after: float = 0.0
    duration: float | None = None  # "for"
    added_at: float = 0.0
    hits: int = 0  # faults injected
    matched: int = 0  # events that matched (a probability draw may have spared some)
    state: dict[str, Any] = field(default_factory=dict)  # per-effect working state (rate windows, held messages)

    @property
    def starts_at(self) -> float:
        return self.added_at + self.after

    @property
    def ends_at(self) -> float | None:
        return None if self.duration is None else self.starts_at + self.duration

    def active(self, now: float) -> bool:
        """Within its window and not used up."""
        if now < self.starts_at or (self.ends_at is not None and now >= self.ends_at):
            return False
        return self.count is None or self.hits < self.count

    def to_api(self, now: float, iso: Callable[[float], str]) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, **self.given, "match": self.match, "effect": self.effect}
        ends = self.ends_at
        body.update(
            hits=self.hits,
            matched=self.matched,
            active=self.active(now),
            startsAt=iso(self.starts_at),
            endsAt=iso(ends) if ends is not None else None,
        )
        return body


def parse_rule(data: Any, rule_id: str = "", now: float = 0.0) -> FaultRule:
    """A checked `FaultRule` from its JSON / TOML form; RuleError names the first bad field."""
    if not isinstance(data, dict):
        raise RuleError("(rule)", "a fault rule is a JSON object with 'match' and 'effect'")
    for key in data:
        if key not in RULE_KEYS:
            raise RuleError(str(key), f"unknown key (expected one of: {', '.join(RULE_KEYS)})")
    match = _table(data.get("match", {}), "match")
    effect = _table(data.get("effect"), "effect")
    protocol = _protocol(match, effect)
    kind = _effect_kind(protocol, effect)
    _check_match(protocol, match, kind)
    _check_effect(protocol, kind, effect)
    count = data.get("count")
    if count is not None and (not _is_int(count) or count < 1):
        raise RuleError("count", "must be a positive integer (how many times the fault is injected)")
    if count is not None and kind == "outage":
        raise RuleError("count", "an outage lasts its window ('after' / 'for'); count does not apply")
    probability = data.get("probability")
    if probability is not None and (not _is_number(probability) or not 0 <= probability <= 1):
        raise RuleError("probability", "must be a number within [0, 1]")
    after = _duration(data["after"], "after") if data.get("after") is not None else 0.0
    duration = _duration(data["for"], "for") if data.get("for") is not None else None
    given = {key: data[key] for key in ("count", "probability", "after", "for") if data.get(key) is not None}
    return FaultRule(
        id=rule_id,
        protocol=protocol,
        kind=kind,
        match={**match, "protocol": protocol},
        effect=effect,
        given=given,
        count=count,
        probability=None if probability is None else float(probability),
        after=after,
        duration=duration,
        added_at=now,
    )


def _table(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise RuleError(name, "must be an object")
    return dict(value)


def _protocol(match: dict[str, Any], effect: dict[str, Any]) -> str:
    """Given as match.protocol, else implied by the match keys or by the effect's name."""
    given = match.get("protocol")
    if given is not None:
        if given not in PROTOCOLS:
            raise RuleError("match.protocol", f"must be one of {', '.join(PROTOCOLS)}, not {given!r}")
        return str(given)
    candidates = [p for p in PROTOCOLS if all(k in MATCH_KEYS[p] for k in match)]
    candidates = [p for p in candidates if any(k in EFFECTS[p] for k in effect)] or candidates
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise RuleError("match", "these keys do not belong to one protocol (http, mqtt or stream)")
    raise RuleError("match.protocol", f"say which protocol the rule is for ({' or '.join(candidates)})")


def _effect_kind(protocol: str, effect: dict[str, Any]) -> str:
    kinds = [key for key in effect if key in EFFECTS[protocol]]
    if len(kinds) != 1:
        names = ", ".join(EFFECTS[protocol])
        raise RuleError("effect", f"give exactly one {protocol} effect ({names})")
    kind = kinds[0]
    for key in effect:
        if key != kind and key not in EFFECTS[protocol][kind]:
            allowed = ", ".join(EFFECTS[protocol][kind]) or "nothing else"
            raise RuleError(f"effect.{key}", f"not an option of {kind} (it takes {allowed})")
    return kind


def _check_match(protocol: str, match: dict[str, Any], kind: str) -> None:
    for key, value in match.items():
        if key not in MATCH_KEYS[protocol]:
            raise RuleError(f"match.{key}", f"not a {protocol} match key ({', '.join(MATCH_KEYS[protocol][1:])})")
        if not isinstance(value, str) or not value:
            raise RuleError(f"match.{key}", "must be a non-empty string")
    if "operationId" in match:
        try:
            spec.operation(match["operationId"])
        except KeyError:
            raise RuleError("match.operationId", f"no operation {match['operationId']!r} in the contract") from None
    if protocol == "mqtt" and match.get("direction") not in (None, "uplink", "downlink"):
        raise RuleError("match.direction", "must be uplink or downlink")
    if protocol == "mqtt" and kind in CONNECT_EFFECTS:
        for key in ("direction", "topic"):
            if key in match:
                raise RuleError(f"match.{key}", f"{kind} happens at CONNECT: match by device or fleet")
    if protocol == "stream" and match.get("type") not in (None, "live", "buffered"):
        raise RuleError("match.type", "must be live or buffered")


def _check_effect(protocol: str, kind: str, effect: dict[str, Any]) -> None:
    value = effect[kind]
    where = f"effect.{kind}"
    if kind == "status":
        if not _is_int(value) or not 400 <= value <= 599:
            raise RuleError(where, "must be an HTTP error status (400-599)")
        if "retryAfter" in effect and (not _is_number(effect["retryAfter"]) or effect["retryAfter"] < 0):
            raise RuleError("effect.retryAfter", "must be a non-negative number of seconds")
        if "message" in effect and not isinstance(effect["message"], str):
            raise RuleError("effect.message", "must be a string")
    elif kind == "delay":
        _duration(value, where)
        if effect.get("clock", "simulated") not in CLOCKS:
            raise RuleError("effect.clock", "must be simulated or real")
    elif kind == "truncate":
        if not (value is True or (_is_int(value) and value >= 0)):
            raise RuleError(where, "must be the number of body bytes kept, or true (half the body)")
    elif kind == "rateLimit":
        if not _is_int(value) or value < 0:
            raise RuleError(where, "must be the number of requests allowed per window")
        if "window" not in effect:
            raise RuleError("effect.window", "rateLimit needs a window (e.g. '1m')")
        if _duration(effect["window"], "effect.window") <= 0:
            raise RuleError("effect.window", "must be a positive duration")
    elif kind == "refuseConnect":
        if not (value is True or (_is_int(value) and 1 <= value <= 5)):
            raise RuleError(where, "must be a CONNACK return code 1-5, or true (3: server unavailable)")
    elif kind == "duplicate":
        if not (value is True or (_is_int(value) and 1 <= value <= 100)):
            raise RuleError(where, "must be true or the number of extra copies (1-100)")
    elif kind == "gap" and (not _is_int(value) or value < 1):
        raise RuleError(where, "must be the number of messages lost (a positive integer)")
    if "within" in effect and _duration(effect["within"], "effect.within") <= 0:
        raise RuleError("effect.within", "must be a positive duration")
    if "code" in effect and (not _is_int(effect["code"]) or not 1000 <= effect["code"] <= 4999):
        raise RuleError("effect.code", "must be a WebSocket close code (1000-4999)")
    if kind in ("drop", "disconnect", "outage", "reorder") and value is not True:
        raise RuleError(where, "must be true")
    if kind == "reset" and value not in (True, "before", "after"):
        raise RuleError(where, "must be true (= before), 'before' (nothing is processed) or 'after' (processed)")


def _duration(value: Any, where: str) -> float:
    try:
        seconds = parse_duration(value)
    except ValueError as error:
        raise RuleError(where, str(error)) from None
    if not math.isfinite(seconds):
        raise RuleError(where, "must be a finite duration")
    return seconds


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
