"""SessionState follows the same rules as the `transitions` machine amqtt gives each session."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from amqtt.session import Session
from transitions import MachineError

from simulator.mqtt.session_state import SessionState, lighten

SEQUENCES = [seq for n in range(1, 5) for seq in itertools.product(("connect", "disconnect"), repeat=n)]


def run(session: Session, triggers: tuple[str, ...]) -> list[Any]:
    """(state, refused?, connect time set?, disconnect time set?) after each trigger."""
    seen = []
    for trigger in triggers:
        try:
            getattr(session.transitions, trigger)()
            refused = False
        except MachineError:
            refused = True
        seen.append(
            (
                session.transitions.state,
                refused,
                session.last_connect_time is not None,
                session.last_disconnect_time is not None,
                session.transitions.is_connected(),
            )
        )
    return seen


@pytest.mark.parametrize("triggers", SEQUENCES, ids="-".join)
def test_every_sequence_of_triggers_ends_as_with_amqtts_machine(triggers: tuple[str, ...]) -> None:
    light = Session()
    lighten(light)
    assert isinstance(light.transitions, SessionState)
    assert run(light, triggers) == run(Session(), triggers)


def test_lighten_keeps_the_state_and_happens_once() -> None:
    session = Session()
    session.transitions.connect()
    lighten(session)
    state = session.transitions
    assert isinstance(state, SessionState) and state.is_connected() and not state.is_new()
    lighten(session)
    assert session.transitions is state
