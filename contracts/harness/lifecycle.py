"""Create -> read -> update -> delete chains over every resource the contract lets a client delete.

Resources are created in dependency order (a device type before the device that names it, by
the ids their bodies refer to), read and updated through the create's links, then deleted
newest first. The wire turns each create and delete into read-back probes (probes.py). These
chains are all safe mode writes: they only touch what the run itself created.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from schemathesis import Case

from contracts import spec
from contracts.harness.generation import draw, seed_for, substitute_ids
from contracts.harness.resources import Request, Resource, evaluate

if TYPE_CHECKING:
    from contracts.harness.runner import Runner

ATTEMPTS = 5  #: bodies tried per create / update before giving up (a note, not a failure)


def _mentions(schema: Any, names: set[str]) -> set[str]:
    """Property names from `names` used anywhere in a (resolved) request schema."""
    found: set[str] = set()
    if isinstance(schema, dict):
        found |= names & set(schema.get("properties") or {})
        for value in schema.values():
            found |= _mentions(value, names)
    elif isinstance(schema, list):
        for value in schema:
            found |= _mentions(value, names)
    return found


def ordered(resources: list[Resource]) -> list[Resource]:
    """Creates whose bodies refer to other resources' ids come after those resources."""
    kinds = {r.kind for r in resources}
    needs = {}
    for resource in resources:
        pointer = spec.operation(resource.create).request_schema_pointer()
        schema = spec.resolve(spec.openapi(), spec.lookup(spec.openapi(), pointer)) if pointer else {}
        needs[resource.create] = _mentions(schema, kinds) - {resource.kind}
    done: list[Resource] = []
    pending = list(resources)
    while pending:
        ready = [r for r in pending if needs[r.create] <= {d.kind for d in done}] or pending[:1]
        done.append(ready[0])
        pending.remove(ready[0])
    return done


class Chain:
    """One created resource and what its create answered (to fill its links)."""

    def __init__(self, resource: Resource, case: Case[Any], body: Any, headers: dict[str, str]) -> None:
        self.resource = resource
        self.request = Request(dict(case.path_parameters or {}), case.body, {})
        self.body = body
        self.headers = headers

    def created_id(self) -> str | None:
        """The id the create handed out (what the delete link takes from the response body)."""
        for expression in self.resource.delete.parameters.values():
            if expression.startswith("$response.body#"):
                value = evaluate(expression, self.request, self.body, self.headers)
                return value if isinstance(value, str) else None
        return None

    def params_for(self, runner: Runner, target: str) -> dict[str, Any] | None:
        for link in runner.contract.links[self.resource.create]:
            if link.operation_id == target:
                return runner.contract.link_params(link, self.request, self.body, self.headers)
        return None


def _attempt(runner: Runner, operation_id: str, known: dict[str, str], params: dict[str, Any] | None = None) -> Any:
    """Try a few valid inputs for an operation until one succeeds; (case, response) or None."""
    if operation_id in runner.target.not_simulated or runner.stopped:
        return None
    operation = runner.schema.find_operation_by_id(operation_id)
    try:
        cases = draw(
            operation.as_strategy(path_parameters=params) if params else operation.as_strategy(),
            ATTEMPTS,
            seed_for(runner.options.seed, "lifecycle", operation_id),
        )
    except Exception as error:  # schemathesis cannot generate for some schemas
        runner.report.note(f"{operation_id}: no inputs generated ({type(error).__name__}: {error})")
        return None
    for case in cases:
        if isinstance(case.body, dict | list):
            case.body = substitute_ids(case.body, known)
        response = runner.exercise(case)
        if response is not None and 200 <= response.status_code < 300:
            return case, response
    return None


def run(runner: Runner) -> None:
    selected = set(runner.selected())
    resources = [
        r
        for r in runner.contract.resources.values()
        if r.create in selected
        and r.delete.operation_id in selected
        and not any(p["in"] == "path" for p in spec.operation(r.create).parameters)
    ]
    known: dict[str, str] = {}
    chains: list[Chain] = []
    for resource in ordered(resources):
        created = _attempt(runner, resource.create, known)
        if created is None:
            if not runner.stopped and resource.create not in runner.target.not_simulated:
                runner.report.note(f"lifecycle: no valid input of {resource.create} was accepted")
            continue
        case, response = created
        try:
            body = json.loads(response.content)
        except ValueError:
            continue
        chain = Chain(resource, case, body, {k: v[0] for k, v in response.headers.items() if v})
        chains.append(chain)
        created_id = chain.created_id()
        if created_id:
            known[resource.kind] = created_id
        for target in _follow_ups(runner, resource):
            params = chain.params_for(runner, target)
            if params:
                _attempt(runner, target, known, params)
    for chain in reversed(chains):
        params = chain.params_for(runner, chain.resource.delete.operation_id)
        if params:
            _attempt(runner, chain.resource.delete.operation_id, known, params)


def _follow_ups(runner: Runner, resource: Resource) -> list[str]:
    """The create's links to the same resource: update(s) first, then the read."""
    delete_path = spec.operation(resource.delete.operation_id).path
    targets = []
    for link in runner.contract.links[resource.create]:
        operation = spec.operation(link.operation_id)
        if operation.path == delete_path and operation.method in ("PATCH", "PUT"):
            targets.append(link.operation_id)
    return [*targets, *([resource.read] if resource.read else [])]
