"""How virtual devices obey: actions (set attributes, emit an event, acknowledge after a delay,
refuse) and desired-configuration changes (apply, report back after a delay).

Both arrive either from the simulator's bus (in-process devices) or from the device's MQTT
subscription (links.py); either way they end up here, on the simulator's loop. An action is
"acknowledged" the way OLT devices do it: by reporting the new state.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from simulator.scenario.device import VirtualDevice
from simulator.scenario.expressions import ExpressionError

log = logging.getLogger(__name__)


def react_to_action(device: VirtualDevice, action_id: str, action: str, payload: Any) -> None:
    stats = device.fleet.stats
    stats.actions += 1
    reaction = device.fleet.actions.get(action)
    if reaction is None or not device.reachable:
        stats.ignored += 1
        return
    device.set_time(device.clock.time())
    env = dict(device.env)
    env["payload"], env["action"], env["actionId"] = payload if payload is not None else {}, action, action_id
    spec = reaction.spec
    try:
        refused = spec.refuse is True or (reaction.refuse is not None and bool(reaction.refuse.evaluate(env)))
        values = reaction.set.evaluate(env)
        event_value = reaction.emit_value.evaluate(env) if spec.emit else {}
    except ExpressionError as error:
        stats.errors += 1
        log.info("%s/%d: action %s: %s", device.fleet.name, device.index, action, error)
        return
    if refused:
        stats.refused += 1
        if spec.refuse_event:
            device.later(spec.delay, lambda: _emit(device, spec.refuse_event, {"action": action}))
        return

    def acknowledge() -> None:
        device.set_time(device.clock.time())
        device.apply(values)
        if spec.emit:
            _emit(device, spec.emit, event_value)
        if spec.report and device.reachable and device.link is not None:
            device.report()

    device.later(spec.delay, acknowledge)


def react_to_configuration(device: VirtualDevice, configuration: dict[str, Any]) -> None:
    """Take the full desired configuration as the device's own and report it back after `delay`."""
    spec = device.fleet.spec.on_configuration
    if not spec.apply or not device.reachable:
        return

    def apply() -> None:
        device.set_time(device.clock.time())
        device.configuration.clear()
        device.configuration.update(configuration)
        device.fleet.stats.configurations += 1
        if device.fleet.config_set:
            try:
                device.apply(device.fleet.config_set.evaluate(device.env))
            except ExpressionError as error:
                device.fleet.stats.errors += 1
                log.info("%s/%d: on_configuration: %s", device.fleet.name, device.index, error)
        device.report_configuration()
        if device.fleet.config_set and device.link is not None:
            device.report()

    device.later(spec.delay, apply)


def _emit(device: VirtualDevice, event_type: str | None, value: dict[str, Any]) -> None:
    if event_type is None or device.link is None or not device.reachable:
        return
    device.fleet.stats.events += device.link.event(device, event_type, value)


def react_to_downlink(device: VirtualDevice, kind: str, data: bytes) -> None:
    """A message on `devices/<id>/actions|configuration`, as the platform's MQTT bridge sends it."""
    try:
        body = json.loads(data)
    except ValueError:
        log.info("%s/%d: undecodable %s message", device.fleet.name, device.index, kind)
        return
    if not isinstance(body, dict):
        return
    if kind == "actions":
        react_to_action(device, str(body.get("actionId", "")), str(body.get("action", "")), body.get("payload"))
    elif kind == "configuration" and isinstance(body.get("configuration"), dict):
        react_to_configuration(device, body["configuration"])
