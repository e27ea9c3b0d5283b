"""Variation mode: every answer a schema-valid, state-true variation of the simulator's answer.

See docs/vary.md. `Variation` is the engine (seeded or planned decisions, kinds and weights);
`simulator.vary.http` is the dispatcher hook; `simulator.vary.control` backs `/_sim/vary`;
`simulator.vary.property` runs a client test under hypothesis and explains what broke it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.vary.choices import parse_plan
from simulator.vary.engine import Variation
from simulator.vary.kinds import KINDS, VarySpecError, parse_spec

if TYPE_CHECKING:
    from simulator.settings import Settings

__all__ = ["KINDS", "Variation", "VarySpecError", "parse_plan", "parse_spec", "variation_from_settings"]


def variation_from_settings(settings: Settings) -> Variation | None:
    """The simulator's variation engine, or None when `settings.vary` is off (the fast path)."""
    if not settings.vary:
        return None
    return Variation(settings.seed, parse_spec(settings.vary), settings.vary_plan)
