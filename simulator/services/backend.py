"""The one base of every area's backend: the simulator it works in and the store it owns.

The world (`simulator.world.World`) holds one store per area; a backend names its field once
(`store_field = "devices"`) instead of repeating the same `__init__` and `store` property.
Reset and restore swap the world, so the store is looked up on every use, never cached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

if TYPE_CHECKING:
    from simulator.runtime import Simulator

StoreT = TypeVar("StoreT")


class Backend(Generic[StoreT]):
    #: the field of `World` holding this area's store
    store_field: ClassVar[str]

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> StoreT:
        store: StoreT = getattr(self.sim.state, self.store_field)  # no cast(): this runs on every access
        return store
