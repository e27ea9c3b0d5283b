"""A session's connected/disconnected state in two slots instead of a `transitions` machine.

amqtt gives every `Session` its own `transitions.Machine` (three states, five transitions, their
events, callbacks and bound partials): about 15 KiB of Python objects per connection, 150 MB for
10,000 devices, for a three-state flag. `SessionState` keeps the part of the machine's interface
that amqtt and `IngestBroker` use (`state`, `connect()`, `disconnect()`, `is_<state>()`) with the
same rules: connect from `new` or `disconnected`, disconnect from any state, the session's
enter callbacks on each transition, `MachineError` for a transition the machine would refuse.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from transitions import MachineError

from simulator.mqtt.lean_queue import LeanQueue

if TYPE_CHECKING:
    from amqtt.session import Session


class SessionState:
    __slots__ = ("_session", "state")

    def __init__(self, session: Session, state: str = "new") -> None:
        self._session = session
        self.state = state

    def connect(self) -> bool:
        if self.state not in ("new", "disconnected"):
            raise MachineError(f"Can't trigger event connect from state {self.state}!")
        self.state = "connected"
        self._session._on_enter_connected()
        return True

    def disconnect(self) -> bool:
        self.state = "disconnected"
        self._session._on_enter_disconnected()
        return True

    def is_new(self) -> bool:
        return self.state == "new"

    def is_connected(self) -> bool:
        return self.state == "connected"

    def is_disconnected(self) -> bool:
        return self.state == "disconnected"


def lighten(session: Session) -> None:
    """Swap the session's machine for a `SessionState` in the same state, and its empty retained
    message queue for a `LeanQueue` (once per session)."""
    if not isinstance(session.transitions, SessionState):
        session.transitions = SessionState(session, session.transitions.state)
    if not isinstance(session.retained_messages, LeanQueue) and session.retained_messages.empty():
        session.retained_messages = LeanQueue()
