"""tests/ mirrors the code: a module's tests sit at its path, so a reader finds them without a map.

`tests/<path>/` holds the tests of `simulator/<path>` (a package, or a module `<path>.py`), and
`tests/contracts/<path>/` those of `contracts/<path>`; a test module directly under tests/ is named
after the simulator module it tests. Only what tests the project as a whole sits elsewhere.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"

#: Tests of the project as a whole, not of one module, with what they test instead.
WHOLE_PROJECT = {
    "readme": "README.md: every shell block runs",
    "test_import_rules.py": "the layering rules of shared/design.md over every module",
    "test_layout.py": "this layout",
}


def code_path(test_path: Path) -> Path:
    """Where the code that `test_path` (relative to tests/) tests lives."""
    parts = list(test_path.parts)
    base = ROOT if parts[0] == "contracts" else ROOT / "simulator"
    if test_path.suffix == ".py":
        parts[-1] = parts[-1].removeprefix("test_")
    return base.joinpath(*parts)


def mirrors_code(test_path: Path) -> bool:
    code = code_path(test_path)
    return code.is_dir() or code.with_suffix(".py").is_file()


def test_every_test_package_sits_at_the_path_of_the_code_it_tests() -> None:
    packages = [p.parent.relative_to(TESTS) for p in TESTS.rglob("__init__.py") if p.parent != TESTS]
    astray = [str(p) for p in packages if p.parts[0] not in WHOLE_PROJECT and not mirrors_code(p)]
    assert packages and astray == [], f"test packages with no code at their path: {astray}"


def test_every_top_level_test_module_is_named_after_a_module() -> None:
    modules = [p.relative_to(TESTS) for p in TESTS.glob("test_*.py")]
    astray = [str(p) for p in modules if p.name not in WHOLE_PROJECT and not mirrors_code(p)]
    assert modules and astray == [], f"test modules named after no simulator module: {astray}"


def test_the_rule_can_fail() -> None:
    assert not mirrors_code(Path("accounts"))
    assert not mirrors_code(Path("test_nothing_here.py"))
    assert mirrors_code(Path("services") / "devices") and mirrors_code(Path("contracts") / "harness")
