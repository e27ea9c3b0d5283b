"""Stateful sequences: schemathesis' state machine over the contract's links and what it infers.

Links come from the contract plus schemathesis' inference (dependency analysis of the schema and
the Location headers seen in the unit phase). Each step goes through `Runner.exercise`, so steps
get the same checks, probes and safety as every other request; a step safe mode refuses or the
target does not simulate simply produces nothing for later steps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, Phase, Verbosity, seed, settings
from schemathesis.generation.stateful import run_state_machine_as_test
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput

if TYPE_CHECKING:
    from contracts.harness.runner import Runner

STEPS = 8  #: steps per scenario
SCENARIOS_PER_EXAMPLE = 2  #: scenarios per --max-examples (scenarios are cheap next to the unit phase)


def run(runner: Runner) -> None:
    selected = runner.selected()
    if not selected:
        return
    try:
        runner.schema.apply_stateful_inference(runner.observations)
        base: Any = runner.schema.include(operation_id=selected).as_state_machine()
    except Exception as error:  # e.g. no links among the selected operations
        runner.report.note(f"stateful phase skipped: {type(error).__name__}: {error}")
        return

    class Machine(base):  # type: ignore[misc]  # schemathesis builds the base class at run time
        def step(self, input: StepInput) -> StepOutput | None:
            response = runner.exercise(input.case, self.recorder)
            return None if response is None else StepOutput(response, input.case)

    options = settings(
        max_examples=runner.options.max_examples * SCENARIOS_PER_EXAMPLE,
        stateful_step_count=STEPS,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    try:
        run_state_machine_as_test(seed(runner.options.seed)(Machine), settings=options)
    except Exception as error:  # the machine itself broke (not a finding about the target)
        runner.report.note(f"stateful phase stopped: {type(error).__name__}: {str(error)[:300]}")
