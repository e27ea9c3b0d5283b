"""Device client certificates, looked up by SHA-256 fingerprint for MQTT."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.runtime import Simulator


@dataclass
class CertificatesStore:
    pass


class CertificatesBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim

    @property
    def store(self) -> CertificatesStore:
        return self.sim.state.certificates
