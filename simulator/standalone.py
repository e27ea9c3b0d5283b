"""`olt_simulator`: the fixtures' simulator for code outside pytest, moto style.

    from simulator import olt_simulator

    with olt_simulator(seed=1) as sim:            # in-process, manual clock, seeded world
        sim.client().get("/device-types")
        sim.advance(60)

    @olt_simulator(scenario="smart-office", server=True)   # real sockets (HTTP and MQTT)
    def check(sim): ...                                     # the handle arrives as `sim=`

The handle is the `SimHandle` the `olt_sim` / `olt_sim_server` fixtures yield.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from simulator import handles

if TYPE_CHECKING:
    from simulator.testing import SimHandle

F = TypeVar("F", bound=Callable[..., Any])


class olt_simulator:  # reads like moto's mock_aws
    def __init__(
        self,
        seed: int = 0,
        *,
        scenario: str | Path | None = None,
        server: bool = False,
        scenario_seed: int | None = None,
    ) -> None:
        self.seed, self.scenario, self.server, self.scenario_seed = seed, scenario, server, scenario_seed
        self._stop: Callable[[], None] | None = None
        self.handle: SimHandle | None = None

    def __enter__(self) -> SimHandle:
        handle, self._stop = (handles.on_sockets if self.server else handles.in_process)(self.seed)
        self.handle = handle
        if self.scenario is not None:
            try:
                handles.start_scenario(handle, self.scenario, seed=self.scenario_seed)
            except BaseException:
                self.__exit__()
                raise
        return handle

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            if self.handle.scenario is not None:
                from simulator.scenario_fixtures import stop_scenario

                stop_scenario(self.handle)
            self.handle.close()
            self.handle = None
        if self._stop is not None:
            self._stop()
            self._stop = None

    def __call__(self, fn: F) -> F:
        """As a decorator: a fresh simulator for each call, passed as the keyword argument `sim`."""

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with olt_simulator(
                self.seed, scenario=self.scenario, server=self.server, scenario_seed=self.scenario_seed
            ) as sim:
                return fn(*args, sim=sim, **kwargs)

        signature = inspect.signature(fn)
        wrapper.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[p for name, p in signature.parameters.items() if name != "sim"]
        )  # pytest (or any caller) must not be asked for `sim`
        return wrapper  # type: ignore[return-value]
