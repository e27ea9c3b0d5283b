"""Find a scenario by name (`"smart-office"`: one of the examples shipped in the package) or by path.

A relative path is tried against the test's (or caller's) directory first, then the working
directory, so `@pytest.mark.olt_scenario("data/office.toml")` works wherever pytest is started.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from simulator.scenario.loader import Problem, ScenarioError

PACKAGE = "simulator"
FOLDER = "scenarios_bundled"


def bundled_dir() -> Path:
    return Path(str(files(PACKAGE).joinpath(FOLDER)))


def bundled_names() -> list[str]:
    """The example scenarios shipped in the package: `smart-office`, `single-sensor` ..."""
    return sorted(path.stem for path in bundled_dir().glob("*.toml"))


def find_scenario(where: str | Path, base: Path | None = None) -> Path:
    """A bundled name, else a path (absolute, relative to `base`, else to the working directory)."""
    text = str(where)
    if "/" not in text and "\\" not in text and not text.endswith(".toml"):
        candidate = bundled_dir() / f"{text}.toml"
        if candidate.is_file():
            return candidate
        names = ", ".join(bundled_names())
        raise ScenarioError(
            [
                Problem(
                    text,
                    (),
                    f"no bundled scenario of that name (bundled: {names}); give a path to a .toml file for your own",
                )
            ]
        )
    path = Path(text)
    if path.is_absolute():
        return path
    for folder in (base, Path.cwd()):
        if folder is not None and (folder / path).exists():
            return folder / path
    return (base or Path.cwd()) / path
