"""Who is changing the world: the caller a transport names for the changes a backend makes.

Backends never see a request; the HTTP dispatcher (or a scenario, or a test) says who acts
with `acting_as`, and the audit log reads it from the change event. A change made with no
actor named comes from in-process Python code and is recorded as the simulator's own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """A caller as the audit log names it."""

    label: str  #: "User a@b.c", "Application", "Scenario demo", ...
    id: str | None = None  #: the user's or service account's id (the audit entry's userId)
    email: str | None = None
    #: the tenant the caller acts in (a token's tenant); None: the tenant the change happened in
    tenant_id: str | None = None

    @classmethod
    def caller(cls, subject: str, email: str | None, tenant_id: str | None) -> Actor:
        """A token's holder: a user (with an e-mail) or an application's service account."""
        return cls(f"User {email}" if email else "Application", subject, email, tenant_id)

    def describe(self) -> str:
        return f"{self.label} (ID {self.id})" if self.id else self.label


IN_PROCESS = Actor("The simulator (in-process call)")

_current: ContextVar[Actor | None] = ContextVar("olt_sim_actor", default=None)


def current_actor() -> Actor | None:
    """The actor named by the surrounding `acting_as`, if any."""
    return _current.get()


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Changes made inside the block are attributed to `actor` (per task: safe across awaits)."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
