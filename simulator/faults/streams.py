"""Stream faults, applied by the WebSocket sender to each message (its one hook).

drop: the socket is closed (code 1011 unless the rule says otherwise); delay: this message, and so
the ones queued behind it, wait; gap: this message and the next N-1 matching ones are lost.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from simulator.faults.rules import FaultRule
from simulator.faults.timing import wait
from simulator.scenario.units import parse_duration

if TYPE_CHECKING:
    from simulator.runtime import Simulator
    from simulator.services.streaming.models import StreamTicket

DEFAULT_CLOSE_CODE = 1011  # "internal error": what a crashed stream server sends


class StreamSender:
    """Sends one connection's messages, through the stream fault rules."""

    def __init__(self, sim: Simulator, ticket: StreamTicket, websocket: WebSocket) -> None:
        self.sim, self.ticket, self.websocket = sim, ticket, websocket
        self.losing = 0  # messages still to lose in the current gap

    async def send(self, message: dict[str, Any]) -> None:
        if self.losing:
            self.losing -= 1
            return
        rule = self._fault(message) if self.sim.faults.rules else None
        if rule is not None:
            effect = rule.effect
            if rule.kind == "gap":
                self.losing = int(effect["gap"]) - 1
                return
            if rule.kind == "drop":
                code = int(effect.get("code", DEFAULT_CLOSE_CODE))
                await self.websocket.close(code, f"fault {rule.id}")
                raise WebSocketDisconnect(code)
            await wait(self.sim, parse_duration(effect["delay"]), effect.get("clock", "simulated"))
        await self.websocket.send_text(json.dumps(message, separators=(",", ":")))

    def _fault(self, message: dict[str, Any]) -> FaultRule | None:
        facts = {"tenant": self.ticket.tenant_id, "device": message.get("deviceId"), "type": self.ticket.stream_type}
        return self.sim.faults.pick("stream", facts)
