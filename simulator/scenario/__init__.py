"""Scenarios: seeded fleets of virtual devices described in TOML (docs/scenarios.md)."""

from simulator.scenario.loader import Problem, ScenarioError, load_scenario, loads
from simulator.scenario.schema import Scenario

__all__ = ["Problem", "Scenario", "ScenarioError", "load_scenario", "loads"]
