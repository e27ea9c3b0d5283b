"""The simulator's fault rules and the one question every transport asks: does a rule fire for this?

Time comes from the simulator's clock (a rule's `after` / `for` window is simulated time) and every
probability draw from a random stream of its own, derived from the seed and the rule's id: the
same rules and seed inject the same faults in the same places, and faults never shift resource ids.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterator
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, Any

from simulator.core.clock import iso
from simulator.core.ids import RandomSource
from simulator.faults.rules import FaultRule, parse_rule
from simulator.scenario.units import parse_duration

if TYPE_CHECKING:
    from simulator.runtime import Simulator

Facts = dict[str, Any]
Watcher = Callable[[FaultRule], None]


def topic_matches(topic_filter: str, topic: str) -> bool:
    """MQTT filter semantics: `+` is one level, a final `#` any number of levels (also none)."""
    wanted, levels = topic_filter.split("/"), topic.split("/")
    for i, part in enumerate(wanted):
        if part == "#":
            return True
        if i >= len(levels) or (part != "+" and part != levels[i]):
            return False
    return len(wanted) == len(levels)


def _value_matches(key: str, wanted: str, facts: Facts) -> bool:
    if key == "protocol":
        return True
    if key == "path":
        return fnmatchcase(str(facts.get("path", "")), wanted)
    if key == "method":
        return str(facts.get("method", "")).upper() == wanted.upper()
    if key == "topic":
        return topic_matches(wanted, str(facts.get("topic", "")))
    if key == "user":  # a user id or an e-mail
        return wanted in (facts.get("user"), facts.get("email"))
    return facts.get(key) == wanted


def rule_matches(rule: FaultRule, facts: Facts) -> bool:
    return all(_value_matches(key, wanted, facts) for key, wanted in rule.match.items())


def fault_mark(rule: FaultRule) -> dict[str, str]:
    """What the request and MQTT journals record about an injected fault."""
    return {"rule": rule.id, "effect": rule.kind}


class FaultBook:
    """The rules in the order they were added; the first rule that fires wins."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.rules: dict[str, FaultRule] = {}
        self.device_fleets: dict[str, str] = {}  # device id -> scenario fleet (for match.fleet)
        self._watchers: list[Watcher] = []
        self._ids = RandomSource("faults")

    def reset(self) -> None:
        """No rules (the per-test reset): ids and draws start again from the seed."""
        self.rules.clear()
        self.device_fleets.clear()
        self._ids = self.sim.random.child("faults")

    def watch(self, watcher: Watcher) -> Callable[[], None]:
        """Be told when a rule's window opens (the MQTT bridge closes sessions when an outage starts)."""
        self._watchers.append(watcher)
        return lambda: self._watchers.remove(watcher) if watcher in self._watchers else None

    def add(self, data: Any) -> FaultRule:
        """Parse and add a rule (RuleError names a bad field); its `after` counts from now."""
        now = self.sim.clock.time()
        rule = parse_rule(data, self._ids.uuid(), now)
        rule.state["random"] = self._ids.child(rule.id)
        self.rules[rule.id] = rule
        if rule.after > 0:
            self.sim.clock.call_at(rule.starts_at, lambda: self._opened(rule))
        else:
            self._opened(rule)
        return rule

    def _opened(self, rule: FaultRule) -> None:
        if self.rules.get(rule.id) is rule:
            for watcher in list(self._watchers):
                watcher(rule)

    def remove(self, rule_id: str) -> bool:
        return self.rules.pop(rule_id, None) is not None

    def clear(self) -> int:
        count = len(self.rules)
        self.rules.clear()
        return count

    def __iter__(self) -> Iterator[FaultRule]:
        return iter(list(self.rules.values()))

    def describe(self) -> list[dict[str, Any]]:
        now = self.sim.clock.time()
        return [rule.to_api(now, iso_epoch) for rule in self.rules.values()]

    def active(self, protocol: str, kinds: Collection[str]) -> FaultRule | None:
        """A rule of these kinds whose window is open now (outages: no event needed to match)."""
        now = self.sim.clock.time()
        return next(
            (r for r in self.rules.values() if r.protocol == protocol and r.kind in kinds and r.active(now)), None
        )

    def pick(self, protocol: str, facts: Facts, kinds: Collection[str] | None = None) -> FaultRule | None:
        """The first active rule that matches these facts and fires (probability, rate limit); counts it."""
        if not self.rules:
            return None
        if "device" in facts and "fleet" not in facts:
            facts["fleet"] = self.device_fleets.get(str(facts["device"]))
        now = self.sim.clock.time()
        for rule in list(self.rules.values()):
            if rule.protocol != protocol or (kinds is not None and rule.kind not in kinds):
                continue
            if not rule.active(now) or not rule_matches(rule, facts):
                continue
            rule.matched += 1
            if rule.probability is not None and rule.state["random"].random() >= rule.probability:
                continue
            if rule.kind == "rateLimit" and not self._over_limit(rule, now):
                continue
            rule.hits += 1
            return rule
        return None

    @staticmethod
    def _over_limit(rule: FaultRule, now: float) -> bool:
        """Fixed windows from the rule's start: `rateLimit` requests pass in each, then 429."""
        window = parse_duration(rule.effect["window"])
        index = math.floor((now - rule.starts_at) / window)
        if rule.state.get("window") != index:
            rule.state.update(window=index, used=0)
        rule.state["retryAfter"] = max(1, math.ceil(rule.starts_at + (index + 1) * window - now))
        if rule.state["used"] < rule.effect["rateLimit"]:
            rule.state["used"] += 1
            return False
        return True


def iso_epoch(epoch: float) -> str:
    return iso(datetime.fromtimestamp(epoch, UTC))
