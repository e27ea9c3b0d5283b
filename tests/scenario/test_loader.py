"""Scenario files: the examples load; broken ones fail naming the file, the key and the line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from simulator import load_scenario
from simulator.scenario import ScenarioError, loads
from simulator.scenario.toml_lines import key_lines
from simulator.scenario_cli import bundled_scenario_path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "scenarios").glob("*.toml"))

BASE = """
[scenario]
name = "t"

[device_types.sensor]
name = "Sensor"
schema.attributes.temperature = { type = "number" }
schema.events.alarm = {}
schema.actions.reset = {}

[fleets.sensors]
device_type = "sensor"
count = 2
"""


def problems(text: str) -> list[tuple[str, str, int | None]]:
    with pytest.raises(ScenarioError) as caught:
        loads(textwrap.dedent(text), "broken.toml")
    found = caught.value.problems
    assert all(p.file == "broken.toml" for p in found)
    assert str(caught.value).startswith("broken.toml")
    return [(p.key, p.message, p.line) for p in found]


def test_there_are_at_least_four_examples() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"smart-office.toml", "single-sensor.toml", "flaky-fleet.toml", "load-10k.toml"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_loads(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.info.name == path.stem
    assert scenario.device_count > 0


def test_the_bundled_scenario_is_the_smart_office_example() -> None:
    assert bundled_scenario_path().read_bytes() == (ROOT / "scenarios" / "smart-office.toml").read_bytes()


def test_a_minimal_file_gets_defaults() -> None:
    scenario = loads(BASE)
    fleet = scenario.fleets["sensors"]
    assert (fleet.count, fleet.every, fleet.transport, scenario.info.clock) == (2, 60.0, "auto", "realtime")


def test_unknown_key_names_the_key_path_and_line() -> None:
    found = problems(BASE + "colour = 'red'\n")
    assert found == [("fleets.sensors.colour", found[0][1], 14)]
    assert "unknown key" in found[0][1] and "device_type" in found[0][1]


def test_unknown_top_level_table() -> None:
    assert [(k, line) for k, _, line in problems(BASE + "[extras]\nx = 1\n")] == [("extras", 14)]


def test_a_bad_value_names_the_key() -> None:
    found = problems(BASE.replace("count = 2", 'count = "two"'))
    assert found == [("fleets.sensors.count", "must be an integer, not a string ('two')", 13)]


def test_missing_required_keys() -> None:
    found = problems("[scenario]\nseed = 3\n")
    assert [(k, m) for k, m, _ in found] == [("scenario.name", "is required")]


@pytest.mark.parametrize(
    ("addition", "key", "fragment"),
    [
        ("every = '5 parsecs'", "fleets.sensors.every", "not a duration"),
        ("transport = 'carrier-pigeon'", "fleets.sensors.transport", "must be one of"),
        (
            "[fleets.sensors.attributes]\ntemperature = { generator = 'walk', min = 5, max = 1 }",
            "fleets.sensors.attributes.temperature",
            "max must not be below min",
        ),
        (
            "[fleets.sensors.attributes]\ntemperature = { generator = 'sine' }",
            "fleets.sensors.attributes.temperature.generator",
            "must be one of",
        ),
        (
            "[fleets.sensors.attributes]\ntemperature = { generator = 'random', maximum = 3 }",
            "fleets.sensors.attributes.temperature.maximum",
            "unknown key",
        ),
        (
            "[fleets.sensors.attributes]\ntemperature = { generator = 'expression', expr = 'humidity * 2' }",
            "fleets.sensors.attributes.temperature.expr",
            "unknown name 'humidity'",
        ),
        (
            "[fleets.sensors.attributes]\ntemperature = { generator = 'expression', expr = 'open(1)' }",
            "fleets.sensors.attributes.temperature.expr",
            "unknown function",
        ),
        (
            "[fleets.sensors.attributes]\ntemperature = { generator = 'csv', file = 'nope.csv', column = 'v' }",
            "fleets.sensors.attributes.temperature.file",
            "No such file",
        ),
        ("name = '{faker.no_such_provider}'", "fleets.sensors.name", "no provider"),
        ("name = 'Sensor {n'", "fleets.sensors.name", "template"),
        (
            "[[fleets.sensors.events]]\ntype = 'explosion'\nrate = '1/h'",
            "fleets.sensors.events[0].type",
            "not declared",
        ),
        ("[[fleets.sensors.events]]\ntype = 'alarm'", "fleets.sensors.events[0]", "give a trigger"),
        ("[[fleets.sensors.events]]\ntype = 'alarm'\nrate = 'often'", "fleets.sensors.events[0].rate", "not a rate"),
        ("[fleets.sensors.actions.launch]\nset = {}", "fleets.sensors.actions.launch", "not declared"),
        (
            "[fleets.sensors.actions.reset]\nset = { temperature = '=payload.x +' }",
            "fleets.sensors.actions.reset.set",
            "syntax error",
        ),
        (
            "[fleets.sensors.actions.reset]\nset = { pressure = 1 }",
            "fleets.sensors.actions.reset.set.pressure",
            "not an attribute",
        ),
        ("connected_by = 'nowhere'", "fleets.sensors.connected_by", "not another fleet"),
        ("connected_by = 'sensors'", "fleets.sensors.connected_by", "not another fleet"),
    ],
)
def test_broken_fleet_settings_name_their_key(addition: str, key: str, fragment: str) -> None:
    found = problems(BASE + addition + "\n")
    assert any(k == key and fragment in m for k, m, _ in found), found
    assert all(line is not None and line >= 14 for k, _, line in found if k == key)


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("[fleets.more]\ndevice_type = 'ghost'", "fleets.more.device_type", "unknown device type"),
        ("[[timeline]]\nat = '1h'\ndo = 'offline'\nfleet = 'nobody'", "timeline[0].fleet", "unknown fleet"),
        ("[[timeline]]\nat = '1h'\ndo = 'rate'\nfleet = 'sensors'", "timeline[0]", "needs every"),
        (
            "[[timeline]]\nat = '1h'\ndo = 'offline'\nfleet = 'sensors'\naction = 'reset'",
            "timeline[0]",
            "takes no action",
        ),
        ("[[timeline]]\nat = '1h'\ndo = 'explode'\nfleet = 'sensors'", "timeline[0].do", "must be one of"),
        (
            "[[timeline]]\nat = '1h'\ndo = 'action'\nfleet = 'sensors'\naction = 'jump'",
            "timeline[0].action",
            "not declared",
        ),
        (
            "[device_types.bad]\nname = 'Bad'\nschema.attributes.x = { type = 'nonsense' }",
            "device_types.bad.schema.attributes.x",
            "not a valid JSON Schema",
        ),
        (
            "[device_types.bad]\nname = 'Bad'\nreporting_rules = [{ path = '$$$[' }]",
            "device_types.bad.reporting_rules[0]",
            "not a valid JSONPath",
        ),
        ("[[users]]\nemail = 'a@example.com'\ntenant = 'Atlantis'", "users[0].tenant", "unknown tenant"),
        ("[[users]]\nemail = 'a@example.com'\nrole = 'emperor'", "users[0].role", "must be one of"),
    ],
)
def test_broken_references_name_their_key(text: str, key: str, fragment: str) -> None:
    found = problems(BASE + text + "\n")
    assert any(k == key and fragment in m for k, m, _ in found), found


def test_clock_and_start_are_checked() -> None:
    found = problems(BASE.replace('name = "t"', 'name = "t"\nclock = "warp:9"\nstart = "yesterday"'))
    assert {k for k, _, _ in found} == {"scenario"}
    assert "clock must be" in found[0][1]


def test_expression_cycles_are_refused() -> None:
    text = BASE + textwrap.dedent("""
        [fleets.sensors.attributes]
        a = { generator = "expression", expr = "b + 1" }
        b = { generator = "expression", expr = "a + 1" }
    """)
    found = problems(text)
    assert found[0][0] == "fleets.sensors.attributes" and "cycle" in found[0][1]


def test_not_toml_reports_the_line() -> None:
    found = problems("[scenario]\nname = 't'\nthis is not toml\n")
    assert found[0][2] == 3 and "not valid TOML" in found[0][1]


def test_every_problem_of_a_file_is_reported_at_once() -> None:
    found = problems(BASE.replace("count = 2", "count = -1\nevery = 0\nwat = 1"))
    assert {k for k, _, _ in found} >= {"fleets.sensors", "fleets.sensors.wat"}


def test_unreadable_files_are_scenario_errors(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="cannot read"):
        load_scenario(tmp_path / "missing.toml")


def test_key_lines_follow_tables_arrays_and_dotted_keys() -> None:
    text = textwrap.dedent("""\
        [a]
        x = 1
        b.c = 2
        "quoted key" = 3
        [[items]]
        y = [
          1, 2,
        ]
        [[items]]
        y = 3
        [items.sub]
        z = 4
    """)
    lines = key_lines(text)
    assert lines[("a", "x")] == 2
    assert lines[("a", "b", "c")] == 3
    assert lines[("a", "quoted key")] == 4
    assert lines[("items", 0, "y")] == 6
    assert lines[("items", 1, "y")] == 10
    assert lines[("items", 1, "sub", "z")] == 12


def test_the_annotated_example_in_the_docs_loads() -> None:
    text = (ROOT / "docs" / "scenarios.md").read_text()
    example = text.split("### A complete annotated example", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    scenario = loads(example, "docs/scenarios.md")
    assert set(scenario.fleets) == {"gateways", "luminaires"} and len(scenario.timeline) == 2
    assert scenario.fleets["luminaires"].actions["dim"].refuse == "payload.level > 90"
