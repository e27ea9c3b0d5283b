"""The `world` fixture: one tenant's client plus shortcuts (see pipeline_helpers)."""

from __future__ import annotations

import pytest

from simulator.testing import SimHandle
from tests.services.ingest.pipeline_helpers import World


@pytest.fixture
def world(olt_sim: SimHandle) -> World:
    return World(olt_sim, olt_sim.client())
