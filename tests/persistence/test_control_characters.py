"""Control characters where the contract forbids them are refused at the edge, naming the field.

Single-line text of every create/update body (names, tags, aliases, ids, e-mails, keys) refuses
C0 control characters and DEL; free text (descriptions, messages, a PEM certificate) keeps tab,
line feed and carriage return. Each valid request of the rollback tour (every mutating operation)
is sent once per text field with a control character in it first: 400 in OLT's error shape with
the field in `details`, and the world unchanged.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from contracts import spec
from contracts.harness.recipes import FORM, RECIPES, Step
from simulator.testing import SimHandle, error_shape_problems
from tests.core.test_rollback import EXTRA, MUTATING, Tour

#: Free-form JSON the contract leaves to the device type or the client (values, not text fields).
#: (billing objects: free-form in the contract, kept as sent; only their names are checked)
DATA = {
    *("configuration", "custom", "value", "payload", "schema", "dataType", "metadata", "slots", "reportingRules"),
    *("billingContact", "billingCompany", "package", "payment"),
}
FREE_TEXT = {"description", "teaserDescription", "comment", "body", "subject", "rejectReason", "cert"}


def text_leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Paths of the strings in a body, outside free-form data."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in DATA:
                yield from text_leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from text_leaves(item, (*path, index))


def with_text(body: Any, path: tuple[Any, ...], suffix: str) -> Any:
    changed = copy.deepcopy(body)
    target = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] += suffix
    return changed


def field_name(path: tuple[Any, ...]) -> str:
    return next(str(part) for part in reversed(path) if isinstance(part, str))


class Probe(Tour):
    checked: set[str]

    def probe(self, step: Step) -> None:
        """Each text field of the step's body with a control character: 400 naming it, nothing changed."""
        op = spec.operation(step.operation_id)
        body = self.filled_body(step)
        if op.method not in MUTATING or step.media_type == FORM or not isinstance(step.body, dict | list):
            return  # a body that echoes a read (`{ownerRoles}`) carries fields the contract does not declare
        for path in text_leaves(body):
            before = self.olt_sim.snapshot()
            response = self.send(step, body=with_text(body, path, "a\x07b"))
            assert response.status_code == 400, (step.operation_id, path, response.status_code, response.text)
            assert error_shape_problems(step.operation_id, 400, response.content) == []
            details = response.json().get("details", [])
            named = any(field_name(path) in d["path"] for d in details)
            alternatives = any(" of the given schemas" in d["message"] for d in details)  # anyOf: names the union
            assert named or alternatives, (step.operation_id, path, details)
            assert self.olt_sim.snapshot() == before, (step.operation_id, path)
            self.checked.add(step.operation_id)


def test_every_text_field_refuses_control_characters(olt_sim: SimHandle, tmp_path: Path) -> None:
    probe = Probe(olt_sim, tmp_path)
    probe.checked = set()
    try:
        for step in RECIPES + EXTRA:
            if step.stream is None and step.sim is None:
                probe.probe(step)
            probe.run(step)
    finally:
        probe.close()
    assert len(probe.checked) > 30, sorted(probe.checked)


def test_free_text_keeps_line_breaks_and_names_do_not(olt_sim: SimHandle) -> None:
    api = olt_sim.client()
    type_id = api.post("/device-types", json={"name": "T", "schema": {}}).json()["data"]["id"]
    info = {"name": "lamp", "deviceTypeId": type_id, "description": "first line\r\n\tsecond line"}
    created = api.post("/devices", json={"info": info})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["info"]["description"] == info["description"]
    for field, text in (("name", "lamp\n"), ("description", "bell\x07"), ("tags", ["a\x1bb"]), ("aliases", ["\x7f"])):
        refused = olt_sim.client(check_contract=False).post("/devices", json={"info": {**info, field: text}})
        assert refused.status_code == 400, (field, refused.text)
        assert any(field in d["path"] for d in refused.json()["details"]), refused.text
