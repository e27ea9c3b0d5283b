"""How much the [contract] extra adds to an install: the dependency closures, sized from the installed files.

    python benchmarks/install_size.py        (in a venv with olt-simulator[dev] installed)

Reads pyproject.toml's dependencies and the `contract` extra, walks each closure through the installed
distributions' metadata and sums the sizes of their files (what `pip install` puts on disk).
"""

from __future__ import annotations

import importlib.metadata as metadata
import os
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def name(requirement: str) -> str:
    return re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def requires(dist: str) -> list[str]:
    try:
        found = metadata.distribution(dist).requires or []
    except metadata.PackageNotFoundError:
        return []
    return [name(r) for r in found if "extra ==" not in r]


def closure(roots: list[str]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        dist = stack.pop()
        if dist not in seen:
            seen.add(dist)
            stack.extend(requires(dist))
    return seen


def size(dist: str) -> int:
    try:
        found = metadata.distribution(dist)
    except metadata.PackageNotFoundError:
        return 0
    return sum(os.path.getsize(p) for f in found.files or [] if (p := found.locate_file(f)) and os.path.isfile(p))


def main() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = [name(r) for r in project["dependencies"]]
    extra = [name(r) for r in project["optional-dependencies"]["contract"]]
    base, full = closure(core), closure(core + extra)
    megabytes = lambda dists: sum(size(d) for d in dists) / 1e6  # noqa: E731
    print(f"fixtures only (olt-simulator):        {len(base):3d} distributions, {megabytes(base):6.1f} MB")
    print(f"with the harness ([contract] extra):  {len(full):3d} distributions, {megabytes(full):6.1f} MB")
    print(f"the extra adds: {', '.join(sorted(full - base))} ({megabytes(full - base):.1f} MB)")


if __name__ == "__main__":
    main()
