"""Who decides whether a candidate variation is applied: the seed (weighted) or a plan (bit mask).

Decisions are numbered in the order the responses meet them. With a seed, decision i is applied
when the seeded stream says so (weighted by kind); with a plan, when bit i of the plan is set. The
details of decision i (which offset, which key order) come from a stream derived from the seed
and i alone, so a plan replays exactly what a seeded run did, and a shrunk plan (fewer bits)
keeps the details of the decisions it still applies.
"""

from __future__ import annotations

import random

from simulator.core.ids import RandomSource
from simulator.vary.kinds import Weights


def parse_plan(text: str) -> int:
    """A plan from its text: hex with 0x (as printed) or decimal."""
    try:
        value = int(text, 16) if text.lower().startswith("0x") else int(text)
    except ValueError:
        raise ValueError(f"a variation plan is a hex mask such as 0x5, not {text!r}") from None
    if value < 0:
        raise ValueError(f"a variation plan is a non-negative mask, not {text!r}")
    return value


def plan_of(applied: list[int] | tuple[int, ...] | set[int]) -> int:
    """The plan that applies exactly these decision indices."""
    mask = 0
    for index in applied:
        mask |= 1 << index
    return mask


class Decider:
    """Numbered yes/no decisions from the seed's child stream `vary`, or from a plan."""

    def __init__(self, seed: int | str, weights: Weights, plan: int | None = None) -> None:
        self.seed = seed
        self.weights = weights
        self.plan = plan
        self.index = 0
        self._stream = RandomSource(seed).child("vary")

    def enabled(self, kind: str) -> bool:
        return self.weights.weight(kind) > 0.0

    def decide(self, kind: str) -> int | None:
        """The decision's index when the variation is applied, else None (kinds that are off use no index)."""
        weight = self.weights.weight(kind)
        if weight <= 0.0:
            return None
        index = self.index
        self.index += 1
        draw = self._stream.random()  # drawn in both modes: a plan and a seed number decisions alike
        applied = (self.plan >> index) & 1 == 1 if self.plan is not None else draw < weight
        return index if applied else None

    def details(self, index: int) -> random.Random:
        """The stream that fills in decision `index` (same seed and index: same details)."""
        return random.Random(f"{self.seed}/vary/{index}")
