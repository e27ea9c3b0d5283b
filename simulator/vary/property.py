"""Property tests for a client: run its test under many variations, shrink a failure, explain it.

    def test_my_client_reads_devices(olt_vary):
        def scenario(sim):                        # sim: a freshly reset olt_sim handle
            device = make_device_via_api(sim)
            MyClient(sim.api_url, sim.token()).describe(device["id"])
        olt_vary.run(scenario)

Hypothesis draws the variation plan (which numbered decisions are applied) as a list of
booleans, so a failure shrinks to the fewest variations that still break the client, and the
error names them ("GET /v1/devices/..: omit data.info.location: absent") with the command that
replays them on `olt-sim serve`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from simulator.vary.choices import parse_plan, plan_of
from simulator.vary.engine import Variation
from simulator.vary.kinds import parse_spec

if TYPE_CHECKING:
    import pytest

    from simulator.testing import SimHandle

MAX_DECISIONS = 2000
SPARE_DECISIONS = 16  # a varied run can meet a few more decisions than the plain one


class ClientBrokeUnderVariation(AssertionError):
    """The client under test failed on a schema-valid, state-true variation of the answers."""


def explain(variation: Variation, kinds: str, error: BaseException) -> str:
    """Which variations were applied, what the client raised, and how to replay it."""
    applied = [(entry, a) for entry in variation.log for a in entry.applied]
    plan = hex(variation.applied_plan())
    if not applied:
        head = "the client fails even without variation (every answer was the simulator's plain one):"
    else:
        count = f"{len(applied)} variation{'s' if len(applied) != 1 else ''}"
        head = f"the client breaks under {count} of the simulator's answers (each valid and true to the state):"
    lines = [head]
    lines += [f"  {entry.method} {entry.path}: {a.kind} {a.where}: {a.detail}" for entry, a in applied]
    lines.append(f"it raised {type(error).__name__}: {error}")
    lines.append(
        f"replay: olt-sim serve --vary {kinds} --vary-plan {plan} --seed {variation.seed} (then the same requests),"
        f' PUT /_sim/vary {{"kinds": "{kinds}", "plan": "{plan}"}}, or @pytest.mark.olt_vary(kinds="{kinds}",'
        f' plan="{plan}")'
    )
    return "\n".join(lines)


class VaryRunner:
    """What the `olt_vary` fixture yields: `run(test)` property-tests a client test under variation."""

    def __init__(self, handle: SimHandle) -> None:
        self.handle = handle

    def _install(self, variation: Variation | None) -> None:
        self.handle.call(lambda: setattr(self.handle.sim, "vary", variation))

    def run(self, test: Callable[[SimHandle], Any], *, kinds: str = "on", max_examples: int = 60) -> None:
        """Run `test(handle)` on a reset simulator once per drawn plan; raise the shrunk failure, explained."""
        from hypothesis import HealthCheck, given, settings
        from hypothesis import strategies as st

        weights = parse_spec(kinds)
        seed = self.handle.sim.settings.seed
        failure: dict[str, str] = {}

        def once(plan: int) -> Variation:
            self.handle.reset()
            variation = Variation(seed, weights, plan)
            self._install(variation)
            try:
                test(self.handle)
            except Exception as error:
                failure["explanation"] = explain(variation, kinds, error)
                raise
            finally:
                self._install(None)
                self.handle.close()
            return variation

        try:
            plain = once(0)  # how many decisions the test meets, and whether it passes at all
        except Exception as error:
            raise ClientBrokeUnderVariation(failure["explanation"]) from error
        size = min(plain.decider.index + SPARE_DECISIONS, MAX_DECISIONS)

        @settings(
            max_examples=max_examples,
            deadline=None,
            database=None,
            derandomize=True,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(st.lists(st.booleans(), min_size=size, max_size=size))
        def example(bits: list[bool]) -> None:
            once(plan_of({i for i, bit in enumerate(bits) if bit}))

        try:
            example()
        except Exception as error:
            if "explanation" not in failure:
                raise
            raise ClientBrokeUnderVariation(failure["explanation"]) from error


def start_marked(request: pytest.FixtureRequest, handle: SimHandle) -> None:
    """`--olt-vary[=KINDS]` or `@pytest.mark.olt_vary(kinds=..., plan=...)`: vary this test's answers."""
    marker = request.node.get_closest_marker("olt_vary")
    option = request.config.getoption("--olt-vary")
    kinds = str(marker.kwargs.get("kinds", option or "on")) if marker is not None else str(option)
    plan = marker.kwargs.get("plan") if marker is not None else None
    variation = Variation(handle.sim.settings.seed, parse_spec(kinds), parse_plan(str(plan)) if plan else None)
    handle.call(lambda: setattr(handle.sim, "vary", variation))
