"""Fixtures shared by the test packages (the simulator's own fixtures come from its pytest plugin)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import HealthCheck, settings

from simulator.core.events import DomainEvent
from simulator.identity.keyfiles import CACHE_ENV
from simulator.testing import SimHandle

pytest_plugins = ["pytester"]  # tests/pytest_plugin drives the olt-sim plugin as a user's suite would

# Hypothesis' wall-clock checks (200 ms per example, slow generation) measure the machine, not the
# code: on a loaded CI runner, or beside the server threads of earlier tests, they failed at random.
settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("suite")


def pytest_configure(config: pytest.Config) -> None:
    """Keys made by the test run go to a throw-away cache, not the developer's own."""
    if CACHE_ENV not in os.environ:
        directory = tempfile.mkdtemp(prefix="olt-sim-test-keys-")
        os.environ[CACHE_ENV] = directory
        config.add_cleanup(lambda: shutil.rmtree(directory, ignore_errors=True))


@pytest.fixture
def other_client(olt_sim: SimHandle) -> httpx.Client:
    """The owner of a second tenant (tenant isolation)."""
    sim = olt_sim.sim
    tenant = olt_sim.call(lambda: sim.tenants.create_tenant("Other", sim.world.owner_user_id))
    return olt_sim.client(olt_sim.token(tenant=tenant.id))


@pytest.fixture
def bus_events(olt_sim: SimHandle) -> Iterator[list[DomainEvent]]:
    """Every domain event published while the test runs."""
    seen: list[DomainEvent] = []
    unsubscribe = olt_sim.call(lambda: olt_sim.sim.bus.subscribe(DomainEvent, seen.append))
    yield seen
    olt_sim.call(unsubscribe)
