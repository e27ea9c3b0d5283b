"""Identity routes outside the contract's four operations (discovery, JWKS, login form)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def identity_routes(sim: Simulator) -> list[BaseRoute]:
    return []
