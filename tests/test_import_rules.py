"""The layering rules of shared/design.md, checked on the import statements of every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
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


# ------------------------------------------------------------------ the domain, transitively

#: what the domain (services but their HTTP glue, core, scenario) must never load, however indirectly
DOMAIN_BANNED_TOP = {"starlette", "uvicorn", "amqtt", "httpx", "pytest"}
DOMAIN_BANNED = ("simulator.api", "simulator.server", "simulator.mqtt")
HTTP_GLUE = ("endpoints", "routes")  # services/<area>/endpoints.py and routes.py speak HTTP


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


class ModuleGraph:
    """Who imports whom among the project's modules, from their ASTs (imports under TYPE_CHECKING
    never run, so they do not count; imports inside functions do: they run when called)."""

    def __init__(self, root: Path, packages: tuple[str, ...] = ("simulator", "contracts")) -> None:
        self.paths = {module_name(p, root): p for package in packages for p in sorted(root.glob(f"{package}/**/*.py"))}
        self._edges: dict[str, set[str]] = {}

    def imports(self, name: str) -> set[str]:
        if name not in self._edges:
            path = self.paths[name]
            package = name if path.name == "__init__.py" else name.rpartition(".")[0]
            found: set[str] = set()
            self._collect(ast.parse(path.read_text(), filename=str(path)), package, found)
            self._edges[name] = found
        return self._edges[name]

    def _collect(self, node: ast.AST, package: str, found: set[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if _type_checking_only(child):
                for orelse in getattr(child, "orelse", []):
                    self._collect(orelse, package, found)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - child.level + 1] + ([child.module] if child.module else []))
                found.add(base)
                found.update(f"{base}.{a.name}" for a in child.names if f"{base}.{a.name}" in self.paths)
            self._collect(child, package, found)

    def reachable(self, start: str) -> dict[str, str]:
        """Every module `start` loads, directly or not -> the module that imports it."""
        seen: dict[str, str] = {}
        stack = [start]
        while stack:
            current = stack.pop()
            for name in self.imports(current):
                parts = name.split(".")
                for end in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b too
                    prefix = ".".join(parts[:end])
                    if prefix not in seen:
                        seen[prefix] = current
                        if prefix in self.paths:
                            stack.append(prefix)
        return seen

    def chain(self, start: str, target: str, seen: dict[str, str]) -> list[str]:
        path = [target]
        while path[-1] != start and path[-1] in seen:
            path.append(seen[path[-1]])
        return list(reversed(path))


def is_domain(name: str) -> bool:
    if name.startswith("simulator.services."):
        return name.rpartition(".")[2] not in HTTP_GLUE
    roots = ("simulator.core", "simulator.scenario")
    return name in roots or name.startswith(tuple(root + "." for root in roots))


def domain_violations(graph: ModuleGraph) -> list[str]:
    offenders = []
    for name in sorted(n for n in graph.paths if is_domain(n)):
        seen = graph.reachable(name)
        for loaded in sorted(seen):
            if loaded.split(".")[0] in DOMAIN_BANNED_TOP or any(
                loaded == b or loaded.startswith(b + ".") for b in DOMAIN_BANNED
            ):
                offenders.append(" -> ".join(graph.chain(name, loaded, seen)))
                break  # one chain per module is enough to act on
    return offenders


def test_the_domain_loads_no_transport_transitively() -> None:
    graph = ModuleGraph(ROOT)
    assert sum(is_domain(n) for n in graph.paths) > 50, "the domain must be found"
    offenders = domain_violations(graph)
    assert not offenders, "\n".join(offenders)


def test_a_transitive_violation_is_detected(tmp_path: Path) -> None:
    services = tmp_path / "simulator" / "services" / "lamps"
    services.mkdir(parents=True)
    for package in (tmp_path / "simulator", tmp_path / "simulator" / "services", services):
        (package / "__init__.py").write_text("")
    (services / "models.py").write_text("from . import helpers\n")
    (services / "helpers.py").write_text("def f():\n    from simulator.api import call\n")
    (services / "endpoints.py").write_text("import starlette\n")  # HTTP glue may
    (tmp_path / "simulator" / "typed.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import amqtt\n"
    )
    (services / "state.py").write_text("import simulator.typed\n")  # TYPE_CHECKING imports never run
    graph = ModuleGraph(tmp_path, ("simulator",))
    assert domain_violations(graph) == [
        "simulator.services.lamps.helpers -> simulator.api",
        "simulator.services.lamps.models -> simulator.services.lamps.helpers -> simulator.api",
    ]


def test_rules_cover_existing_code() -> None:
    assert modules("simulator/core/**/*.py"), "the core package must exist"
    assert modules("contracts/**/*.py")


def test_a_banned_import_is_detected(tmp_path: Path) -> None:
    sample = tmp_path / "models.py"
    sample.write_text("from starlette.requests import Request\nimport amqtt.broker\n")
    assert {"starlette.requests", "amqtt.broker"} <= imported_modules(sample)
