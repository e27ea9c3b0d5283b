"""Checks across keys of a scenario: references, names in expressions, schemas, CSV files.

Each check returns (key path, message) pairs; the loader adds the file and line.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from simulator.core.errors import BadRequest
from simulator.scenario import schema
from simulator.scenario.expressions import RANDOM_FUNCTIONS, ExpressionError, compile_expression
from simulator.scenario.generators import DEVICE_NAMES, TIME_NAMES, read_series
from simulator.scenario.toml_lines import KeyPath
from simulator.services.device_types.schema import CompiledSchema, check_schema, compile_rules

DEFAULT_TENANT = "Demo Tenant"
Found = list[tuple[KeyPath, str]]


def default_tenant(scenario: schema.Scenario) -> str:
    return scenario.tenants[0].name if scenario.tenants else DEFAULT_TENANT


def type_tenant(scenario: schema.Scenario, spec: schema.DeviceTypeSpec) -> str:
    return spec.tenant or default_tenant(scenario)


def fleet_tenant(scenario: schema.Scenario, fleet: schema.FleetSpec) -> str:
    device_type = scenario.device_types.get(fleet.device_type)
    return fleet.tenant or (type_tenant(scenario, device_type) if device_type else default_tenant(scenario))


def attribute_names(scenario: schema.Scenario, fleet: schema.FleetSpec) -> set[str]:
    device_type = scenario.device_types.get(fleet.device_type)
    return set(fleet.attributes) | (device_type.declared("attributes") if device_type else set())


def device_names(scenario: schema.Scenario, fleet: schema.FleetSpec) -> set[str]:
    """What a device-side expression of this fleet may read."""
    return {*TIME_NAMES, *DEVICE_NAMES, *RANDOM_FUNCTIONS, *attribute_names(scenario, fleet)}


def check_scenario(scenario: schema.Scenario) -> Found:
    found: Found = []
    tenants = {t.name for t in scenario.tenants} | {DEFAULT_TENANT}
    found += _duplicates([t.name for t in scenario.tenants], "tenants", "name")
    found += _duplicates([u.email.lower() for u in scenario.users], "users", "email")
    for i, user in enumerate(scenario.users):
        if user.tenant is not None and user.tenant not in tenants:
            found.append((("users", i, "tenant"), f"unknown tenant {user.tenant!r} (declare it under [[tenants]])"))
    for key, device_type in scenario.device_types.items():
        found += _check_device_type(key, device_type, tenants)
    base = scenario.path.parent if scenario.path else Path(".")
    for key, fleet in scenario.fleets.items():
        found += _check_fleet(scenario, key, fleet, tenants, base)
    for i, step in enumerate(scenario.timeline):
        found += _check_step(scenario, i, step)
    for i, rule in enumerate(scenario.faults):
        found += _check_fault(scenario, i, rule)
    return found


def _check_fault(scenario: schema.Scenario, index: int, rule: dict[str, Any]) -> Found:
    """The rule as POST /_sim/faults would check it, and its fleet must be one of the scenario's."""
    from simulator.faults.rules import RuleError, parse_rule  # faults reads durations from this package

    try:
        parsed = parse_rule(rule)
    except RuleError as error:
        return [(("faults", index, *error.field.split(".")), error.message)]
    fleet = parsed.match.get("fleet")
    if fleet is not None and fleet not in scenario.fleets:
        return [(("faults", index, "match", "fleet"), f"unknown fleet {fleet!r}")]
    return []


def _duplicates(values: list[str], table: str, key: str) -> Found:
    seen: set[str] = set()
    found: Found = []
    for i, value in enumerate(values):
        if value in seen:
            found.append(((table, i, key), f"duplicate {key} {value!r}"))
        seen.add(value)
    return found


def _check_device_type(key: str, spec: schema.DeviceTypeSpec, tenants: set[str]) -> Found:
    where: KeyPath = ("device_types", key)
    found: Found = []
    if spec.tenant is not None and spec.tenant not in tenants:
        found.append(((*where, "tenant"), f"unknown tenant {spec.tenant!r}"))
    try:
        check_schema(spec.sections)
        compile_rules([{"path": r.path, "reportTo": list(r.report_to)} for r in spec.reporting_rules])
    except BadRequest as error:
        detail = (error.details or [{"path": "", "message": error.message}])[0]
        parts: list[str | int] = [p for p in detail["path"].split(".") if p and p != "body"]
        if parts[:1] == ["reportingRules"]:
            parts = ["reporting_rules", *(int(p) if isinstance(p, str) and p.isdigit() else p for p in parts[1:2])]
        found.append(((*where, *parts), error.message))
    return found


def _check_fleet(scenario: schema.Scenario, key: str, fleet: schema.FleetSpec, tenants: set[str], base: Path) -> Found:
    where: KeyPath = ("fleets", key)
    found: Found = []
    device_type = scenario.device_types.get(fleet.device_type)
    if device_type is None:
        known = ", ".join(scenario.device_types) or "none declared"
        return [((*where, "device_type"), f"unknown device type {fleet.device_type!r} (known: {known})")]
    if fleet.tenant is not None and fleet.tenant != type_tenant(scenario, device_type):
        found.append(((*where, "tenant"), f"the device type {fleet.device_type!r} belongs to another tenant"))
    found += _check_gateway(scenario, key, fleet)
    compiled = CompiledSchema(device_type.sections)
    if fleet.configuration:
        problems = compiled.section_problems("configuration", fleet.configuration)
        found += _schema_problems(problems, (*where, "configuration"))
    names = device_names(scenario, fleet)
    declared_attributes = device_type.declared("attributes")
    closed = device_type.section("attributes").get("additionalProperties") is False
    for name, generator in fleet.attributes.items():
        path = (*where, "attributes", name)
        if closed and name not in declared_attributes:
            found.append((path, f"attribute {name!r} is not declared by device type {fleet.device_type!r}"))
        if isinstance(generator, schema.ExpressionSpec):
            found += _expression(generator.expr, names, (*path, "expr"))
        if isinstance(generator, schema.CsvSpec):
            try:
                read_series(str(base / generator.file), generator.column, generator.time_column)
            except (OSError, ValueError) as error:
                found.append(((*path, "file"), str(error)))
    found += _expression_cycles(fleet, where)
    events = device_type.declared("events")
    open_events = device_type.section("events").get("additionalProperties", False) is not False
    for i, event in enumerate(fleet.events):
        path = (*where, "events", i)
        if event.type not in events and not open_events:
            message = f"event type {event.type!r} is not declared by device type {fleet.device_type!r}"
            found.append(((*path, "type"), message))
        if event.when is not None:
            found += _expression(event.when, names, (*path, "when"))
        found += _values(event.value, names, (*path, "value"))
    actions = device_type.declared("actions")
    for action, reaction in fleet.actions.items():
        path = (*where, "actions", action)
        if action not in actions:
            found.append((path, f"action {action!r} is not declared by device type {fleet.device_type!r}"))
        context = names | {"payload", "action"}
        found += _values(reaction.set, context, (*path, "set"))
        found += _values(reaction.emit_value, context, (*path, "emit_value"))
        found += _unknown_attributes(reaction.set, names, (*path, "set"))
        if isinstance(reaction.refuse, str):
            found += _expression(reaction.refuse, context, (*path, "refuse"))
        for field_name in ("emit", "refuse_event"):
            event_type = getattr(reaction, field_name)
            if event_type is not None and event_type not in events and not open_events:
                found.append(((*path, field_name), f"event type {event_type!r} is not declared by the device type"))
    found += _values(fleet.on_configuration.set, names, (*where, "on_configuration", "set"))
    found += _unknown_attributes(fleet.on_configuration.set, names, (*where, "on_configuration", "set"))
    return found


def _check_gateway(scenario: schema.Scenario, key: str, fleet: schema.FleetSpec) -> Found:
    if fleet.connected_by is None:
        return []
    path: KeyPath = ("fleets", key, "connected_by")
    gateway = scenario.fleets.get(fleet.connected_by)
    if gateway is None or fleet.connected_by == key:
        return [(path, f"{fleet.connected_by!r} is not another fleet of this scenario")]
    if fleet_tenant(scenario, gateway) != fleet_tenant(scenario, fleet):
        return [(path, "the gateway fleet belongs to another tenant")]
    if gateway.count == 0 and fleet.count > 0:
        return [(path, f"fleet {fleet.connected_by!r} has no devices")]
    seen, current = {key}, gateway
    while current.connected_by is not None:
        if current.connected_by in seen:
            return [(path, "gateway fleets form a cycle")]
        seen.add(current.connected_by)
        nxt = scenario.fleets.get(current.connected_by)
        if nxt is None:
            break
        current = nxt
    return []


def _check_step(scenario: schema.Scenario, i: int, step: schema.TimelineStep) -> Found:
    path: KeyPath = ("timeline", i)
    fleet = scenario.fleets.get(step.fleet)
    if fleet is None:
        return [((*path, "fleet"), f"unknown fleet {step.fleet!r} (known: {', '.join(scenario.fleets) or 'none'})")]
    device_type = scenario.device_types.get(fleet.device_type)
    if device_type is None:
        return []
    compiled = CompiledSchema(device_type.sections)
    if step.do == "action" and step.action is not None:
        if step.action not in device_type.declared("actions"):
            return [((*path, "action"), f"action {step.action!r} is not declared by device type {fleet.device_type!r}")]
        return _schema_problems(compiled.entry_problems("actions", step.action, step.payload or {}, "payload"), path)
    if step.do == "configure" and step.configuration is not None:
        problems = compiled.section_problems("configuration", step.configuration)
        return _schema_problems(problems, (*path, "configuration"))
    return []


def _schema_problems(problems: list[dict[str, str]], where: KeyPath) -> Found:
    found: Found = []
    for problem in problems:
        parts = [p for p in problem["path"].split(".")[1:] if p]
        found.append(((*where, *parts), problem["message"]))
    return found


def _expression(source: str, names: Iterable[str], path: KeyPath) -> Found:
    try:
        compile_expression(source, names)
    except ExpressionError as error:
        return [(path, str(error))]
    return []


def _values(values: dict[str, Any], names: Iterable[str], path: KeyPath) -> Found:
    found: Found = []
    for key, value in values.items():
        if isinstance(value, str) and value.startswith("="):
            found += _expression(value[1:], names, (*path, key))
    return found


def _unknown_attributes(values: dict[str, Any], names: set[str], path: KeyPath) -> Found:
    return [((*path, k), f"{k!r} is not an attribute of this fleet") for k in values if k not in names]


def _expression_cycles(fleet: schema.FleetSpec, where: KeyPath) -> Found:
    """Expression attributes are computed in dependency order; a cycle has no order."""
    try:
        attribute_order(fleet)
    except ValueError as error:
        return [((*where, "attributes"), str(error))]
    return []


def attribute_order(fleet: schema.FleetSpec) -> list[str]:
    """Attribute names so that each expression comes after the attributes it reads."""
    deps: dict[str, set[str]] = {}
    for name, generator in fleet.attributes.items():
        reads: set[str] = set()
        if isinstance(generator, schema.ExpressionSpec):
            try:
                reads = set(compile_expression(generator.expr).names) & set(fleet.attributes)
            except ExpressionError:
                reads = set()
        deps[name] = reads - {name}
    order: list[str] = []
    done: set[str] = set()
    visiting: set[str] = set()

    def visit(name: str, chain: tuple[str, ...]) -> None:
        if name in done:
            return
        if name in visiting:
            raise ValueError(f"expressions depend on each other in a cycle: {' -> '.join((*chain, name))}")
        visiting.add(name)
        for dep in sorted(deps[name]):
            visit(dep, (*chain, name))
        visiting.discard(name)
        done.add(name)
        order.append(name)

    for name in fleet.attributes:
        visit(name, ())
    return order
