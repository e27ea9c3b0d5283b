"""`/_sim/vary`: read or change variation mode on a running simulator.

PUT/POST a JSON object: `{"enabled": true, "kinds": "on,-headers" | {"omit": 0.8}, "plan": "0x5",
"seed": 3}` (every key optional; `"enabled": false` switches it off). The seed defaults to the
simulator's; a new setting starts again at decision 0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.core.errors import BadRequest
from simulator.vary.choices import parse_plan
from simulator.vary.engine import Variation
from simulator.vary.kinds import VarySpecError, Weights, default_weights, parse_spec

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def describe(sim: Simulator) -> dict[str, Any]:
    if sim.vary is None:
        return {"enabled": False, "seed": sim.settings.seed, "kinds": {}, "plan": None}
    return sim.vary.describe()


def _weights(kinds: Any, current: Weights) -> Weights:
    if kinds is None:
        return current
    if isinstance(kinds, str):
        return parse_spec(kinds)
    if isinstance(kinds, dict):
        if not kinds:
            return Weights({})
        return parse_spec(",".join(f"{k}={v}" for k, v in kinds.items()))
    raise VarySpecError("'kinds' is a spec string such as 'on,-headers' or an object of kind -> weight")


def configure(sim: Simulator, body: dict[str, Any]) -> dict[str, Any]:
    """Apply a `/_sim/vary` body; BadRequest names the first wrong key."""
    unknown = set(body) - {"enabled", "kinds", "plan", "seed"}
    if unknown:
        raise BadRequest(f"unknown keys {sorted(unknown)}; use enabled, kinds, plan, seed")
    enabled = body.get("enabled", True)
    if not isinstance(enabled, bool):
        raise BadRequest("'enabled' must be true or false")
    if not enabled:
        sim.vary = None
        return describe(sim)
    current = sim.vary
    seed = body.get("seed", current.seed if current else sim.settings.seed)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise BadRequest("'seed' must be an integer")
    plan = body.get("plan", hex(current.plan) if current and current.plan is not None else None)
    try:
        weights = _weights(body.get("kinds"), current.weights if current else default_weights())
        parsed_plan = None if plan is None else parse_plan(str(plan))
    except (VarySpecError, ValueError) as error:
        raise BadRequest(str(error)) from None
    sim.vary = Variation(seed, weights, parsed_plan)
    return describe(sim)
