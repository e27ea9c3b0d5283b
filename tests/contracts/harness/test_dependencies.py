"""Every third-party module the contract harness imports is a declared dependency of the project,
and every HTTP exchange of the harness goes through one client library: httpx."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def imported_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "contracts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in ("contracts", "__future__")}


def test_the_harness_imports_only_declared_dependencies() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    declared = [*project["dependencies"], *extras["contract"], *extras["dev"]]  # the harness ships as [contract]
    names = {re.split(r"[<>=\[ ;]", requirement)[0].lower().replace("_", "-") for requirement in declared}
    distributions = packages_distributions()
    missing = {
        module
        for module in imported_modules()
        if not {d.lower().replace("_", "-") for d in distributions.get(module, [module])} & names
    }
    assert missing == set()


#: HTTP client libraries a harness module could reach for instead of httpx.
HTTP_CLIENTS = ("requests", "urllib3", "aiohttp", "httplib2", "pycurl", "http.client", "urllib.request")


def test_the_harness_uses_httpx_as_its_only_http_client() -> None:
    found: set[str] = set()
    for path in (ROOT / "contracts").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
    clients = {name for name in found for client in HTTP_CLIENTS if name == client or name.startswith(client + ".")}
    assert clients == set()
    assert "httpx" in found
