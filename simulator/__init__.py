"""olt-simulator: a local, stateful simulator of the OSRAM Lightelligence (OLT) IoT platform.

Names load on first use, so importing a submodule (the pytest plugin, the CLI) stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from simulator.version import __version__

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.scenario.loader import load_scenario
    from simulator.settings import Settings
    from simulator.standalone import olt_simulator

_WHERE = {
    "Simulator": "simulator.runtime",
    "Settings": "simulator.settings",
    "load_scenario": "simulator.scenario.loader",
    "olt_simulator": "simulator.standalone",
}
__all__ = ["Settings", "Simulator", "__version__", "load_scenario", "olt_simulator"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
