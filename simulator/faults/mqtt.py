"""MQTT faults, applied by the bridge at its hooks: CONNECT, each uplink message, each downlink delivery.

The bridge hands over what it would do (`deliver`: ingest the uplink or send the downlink, returning
the journal outcome) and how to journal; a fault decides whether, when and how often that happens.
A refused CONNECT gets its own return code through `ConnackWriter`, because amqtt only ever answers
5 (not authorised) when the bridge says no.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from amqtt.adapters import WriterAdapter

from simulator.faults.book import fault_mark, rule_matches
from simulator.faults.rules import FaultRule
from simulator.faults.timing import later
from simulator.scenario.units import parse_duration

if TYPE_CHECKING:
    from simulator.runtime import Simulator

Deliver = Callable[[], str]  # does the work, returns the journal outcome
Journal = Callable[[str, "dict[str, str] | None"], None]  # (outcome, fault mark)
MESSAGE_EFFECTS = frozenset({"drop", "duplicate", "delay", "reorder", "disconnect", "outage"})
SERVER_UNAVAILABLE = 3
DEFAULT_REORDER_WINDOW = 10.0  # simulated seconds a reordered message waits for a successor at most
Peer = tuple[str | None, int | None]


class MqttFaults:
    def __init__(self, sim: Simulator, disconnect_devices: Callable[[Callable[[str], bool]], int]) -> None:
        self.sim = sim
        self.disconnect_devices = disconnect_devices  # closes the sessions of the devices a predicate picks
        self.refusals: dict[Peer, int] = {}  # peer -> CONNACK code, taken by that connection's ConnackWriter

    # ------------------------------------------------------------------ CONNECT

    def refuse_connect(self, device_id: str, peer: Peer) -> tuple[FaultRule, int] | None:
        """The refuseConnect or outage rule that turns this CONNECT away, and the CONNACK code it answers."""
        rule = self.sim.faults.pick("mqtt", {"device": device_id}, {"refuseConnect", "outage"})
        if rule is None:
            return None
        code = rule.effect.get("refuseConnect", SERVER_UNAVAILABLE)
        self.refusals[peer] = SERVER_UNAVAILABLE if code is True else int(code)
        return rule, self.refusals[peer]

    def opened(self, rule: FaultRule) -> None:
        """An outage begins: the broker drops the sessions it covers."""
        if rule.protocol == "mqtt" and rule.kind == "outage":
            book = self.sim.faults
            self.disconnect_devices(
                lambda device: rule_matches(rule, {"device": device, "fleet": book.device_fleets.get(device)})
            )

    # ------------------------------------------------------------------ messages

    def intercept(
        self,
        direction: str,
        device_id: str,
        topic: str,
        deliver: Deliver,
        journal: Journal,
        disconnect: Callable[[], None],
    ) -> bool:
        """Apply the fault that fires for this message, if any; False: deliver it as usual."""
        if not self.sim.faults.rules:
            return False
        facts: dict[str, Any] = {"direction": direction, "device": device_id, "topic": topic}
        if self._release_held(facts, deliver, journal):
            return True
        rule = self.sim.faults.pick("mqtt", facts, MESSAGE_EFFECTS)
        if rule is None:
            return False
        mark, kind, effect = fault_mark(rule), rule.kind, rule.effect
        if kind in ("drop", "outage"):
            journal("dropped", mark)
        elif kind == "disconnect":
            journal("disconnected", mark)
            disconnect()
        elif kind == "duplicate":
            journal(deliver(), None)
            for _ in range(1 if effect["duplicate"] is True else int(effect["duplicate"])):
                journal(deliver(), mark)
        elif kind == "delay":
            journal("delayed", mark)
            later(
                self.sim,
                parse_duration(effect["delay"]),
                effect.get("clock", "simulated"),
                self._in_this_world(lambda: journal(deliver(), mark)),
            )
        else:  # reorder: held until the next matching message has gone (or its window ends)
            self._hold(rule, deliver, journal)
        return True

    def _hold(self, rule: FaultRule, deliver: Deliver, journal: Journal) -> None:
        journal("held", fault_mark(rule))
        held: dict[str, Any] = {"deliver": deliver, "journal": journal}
        rule.state["held"] = held

        def expire() -> None:
            if rule.state.get("held") is held:
                self._release(rule)

        within = parse_duration(rule.effect.get("within", DEFAULT_REORDER_WINDOW))
        later(self.sim, within, "simulated", self._in_this_world(expire))

    def _in_this_world(self, callback: Callable[[], None]) -> Callable[[], None]:
        """`callback`, unless the world was reset or restored meanwhile (a late message belongs to the old one)."""
        world = self.sim.state

        def run() -> None:
            if self.sim.state is world:
                callback()

        return run

    def _release_held(self, facts: dict[str, Any], deliver: Deliver, journal: Journal) -> bool:
        """A message overtakes the one a reorder rule holds: it goes first, the held one right after."""
        book = self.sim.faults
        if "fleet" not in facts:
            facts["fleet"] = book.device_fleets.get(facts["device"])
        for rule in book:
            if rule.kind == "reorder" and rule.state.get("held") and rule_matches(rule, facts):
                journal(deliver(), None)
                self._release(rule)
                return True
        return False

    @staticmethod
    def _release(rule: FaultRule) -> None:
        held = rule.state.pop("held")
        held["journal"](held["deliver"](), fault_mark(rule))


class ConnackWriter(WriterAdapter):
    """Wraps amqtt's writer for one connection, turning its refusal CONNACK into the code a fault chose."""

    def __init__(self, inner: WriterAdapter, refusals: dict[Peer, int]) -> None:
        self._inner = inner
        self._refusals = refusals

    def write(self, data: bytes) -> None:
        if self._refusals and len(data) == 4 and data[0] == 0x20 and data[3] != 0:  # a refusing CONNACK
            code = self._refusals.pop(self.get_peer_info() or (None, None), None)
            if code is not None:
                data = bytes((0x20, 0x02, 0x00, code))
        self._inner.write(data)

    async def drain(self) -> None:
        await self._inner.drain()

    def get_peer_info(self) -> Any:
        return self._inner.get_peer_info()

    def get_ssl_info(self) -> Any:
        return self._inner.get_ssl_info()

    async def close(self) -> None:
        await self._inner.close()
