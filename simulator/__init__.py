"""olt-simulator: a local, stateful simulator of the OSRAM Lightelligence (OLT) IoT platform."""

from simulator.runtime import Simulator
from simulator.scenario.loader import load_scenario
from simulator.settings import Settings

__all__ = ["Settings", "Simulator", "load_scenario"]
