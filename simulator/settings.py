"""Frozen settings of one simulator instance (ports 0 = pick a free port)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    mqtt_port: int | None = 1883
    mqtts_port: int | None = 8883
    https_port: int | None = None
    domain: str | None = None
    tls: bool = False
    seed: int = 0
    clock: str = "realtime"  # realtime | manual | stepped | scaled:N
    state_dir: Path | None = None
    public_url: str | None = None  # how clients reach us, if not http://host:port
    cors_origins: tuple[str, ...] = ()  # allowed besides any http(s)://localhost / 127.0.0.1 origin
    cors_origin_regex: str = r"https?://(localhost|127\.0\.0\.1|\[::1\])(:\d+)?"
    dump_delay_seconds: float = 1.0
    max_body_bytes: int = 1024 * 1024
    max_blob_bytes: int = 64 * 1024 * 1024
    journal_size: int = 1000
    token_lifetime_seconds: int = 864_000
    refresh_lifetime_seconds: int = 950_400
    seed_world: bool = True
    vary: str = ""  # variation mode spec ("on", "omit,timestamps=0.8"; see docs/vary.md); empty: off
    vary_plan: int | None = None  # replay exactly these variation decisions (a bit mask) instead of drawing them
    control_token: str | None = None  # set: /_sim requires "Authorization: Bearer <token>"
    redirect_uris: tuple[str, ...] = ()  # redirect URIs the seeded browser client accepts (empty: any local URL)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def clock_mode(self) -> tuple[str, float]:
        if self.clock.startswith("scaled:"):
            return "scaled", float(self.clock.split(":", 1)[1])
        return self.clock, 1.0
