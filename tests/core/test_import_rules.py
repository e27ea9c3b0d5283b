"""The layering rules of shared/design.md, checked on the import statements of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FRAMEWORKS = {"starlette", "uvicorn", "amqtt", "pytest"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def top(name: str) -> str:
    return name.split(".")[0]


def modules(pattern: str) -> list[Path]:
    return sorted(ROOT.glob(pattern))


RULES = [
    ("simulator/core/**/*.py", FRAMEWORKS, ()),
    ("simulator/services/*/models.py", FRAMEWORKS, ()),
    ("simulator/services/*/endpoints.py", {"amqtt"}, ()),
    ("simulator/api/**/*.py", {"amqtt"}, ()),
    ("simulator/mqtt/**/*.py", {"starlette"}, ()),
    ("simulator/scenario/**/*.py", {"starlette"}, ()),
    ("contracts/**/*.py", set(), ("simulator",)),
    *((f"simulator/faults/{name}.py", FRAMEWORKS, ()) for name in ("rules", "book", "timing")),  # rules are data
    ("simulator/faults/mqtt.py", {"starlette"}, ()),
    *((f"simulator/faults/{name}.py", {"amqtt"}, ()) for name in ("http", "streams", "routes")),
]


@pytest.mark.parametrize(("pattern", "banned", "banned_prefixes"), RULES, ids=[r[0] for r in RULES])
def test_layering(pattern: str, banned: set[str], banned_prefixes: tuple[str, ...]) -> None:
    offenders = []
    for path in modules(pattern):
        for name in imported_modules(path):
            if top(name) in banned or any(name == p or name.startswith(p + ".") for p in banned_prefixes):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_rules_cover_existing_code() -> None:
    assert modules("simulator/core/**/*.py"), "the core package must exist"
    assert modules("contracts/**/*.py")


def test_a_banned_import_is_detected(tmp_path: Path) -> None:
    sample = tmp_path / "models.py"
    sample.write_text("from starlette.requests import Request\nimport amqtt.broker\n")
    assert {"starlette.requests", "amqtt.broker"} <= imported_modules(sample)
