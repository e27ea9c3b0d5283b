"""The realm's short-lived state: pending logins, unredeemed codes, ended sessions (reset clears it)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class AuthRequest:
    """A validated authorization request (the query of `authorize`), kept while the login page is shown."""

    id: str
    client_id: str
    redirect_uri: str
    response_mode: str
    scope: str
    expires_at: float
    state: str | None = None
    nonce: str | None = None
    code_challenge: str | None = None
    code_challenge_method: str | None = None
    login_hint: str | None = None
    tenant_hint: str | None = None


@dataclass
class AuthCode:
    """An issued authorization code: single use, valid for CODE_TTL seconds of simulator time."""

    code: str
    request: AuthRequest
    user_id: str
    tenant_id: str | None
    session_state: str
    expires_at: float


@dataclass
class IdentityStore:
    requests: dict[str, AuthRequest] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    ended_sessions: set[str] = field(default_factory=set)  # session_state values logged out

    def purge(self, now: float) -> None:
        """Drop what has expired (called whenever something new is stored, so the store stays small)."""
        self.requests = {k: v for k, v in self.requests.items() if v.expires_at > now}
        self.codes = {k: v for k, v in self.codes.items() if v.expires_at > now}
