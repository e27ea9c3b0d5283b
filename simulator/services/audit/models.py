"""The tenant audit log: one entry per successful mutating API call (facts A.22 #154, D.18, I.28).

The dispatcher announces each such call as `ResourceChanged` on the bus; this backend only
listens, so no other area has to know the audit log exists.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.core.clock import iso
from simulator.core.events import ResourceChanged

if TYPE_CHECKING:
    from simulator.runtime import Simulator

MAX_ENTRIES_PER_TENANT = 10_000
COLUMNS = ("id", "timestamp", "userId", "userEmail", "tenantId", "action", "resourceType", "resourceId", "message")


@functools.cache
def describe_operation(operation_id: str) -> tuple[str, str]:
    """`createDeviceCertificate` -> (`device_certificate.created`, `created device certificate`)."""
    verb, *nouns = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", operation_id)
    past = verb + ("d" if verb.endswith("e") else "ed")
    noun = [n.lower() for n in nouns] or ["resource"]
    return f"{'_'.join(noun)}.{past}", f"{past} {' '.join(noun)}"


def _quality(accept: str, media_type: str) -> float:
    """The q-value the Accept header gives `media_type` (the most specific matching range decides)."""
    kind = media_type.split("/")[0]
    best: tuple[int, float] = (-1, 0.0)
    for part in accept.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        media = media.lower()
        specificity = {media_type: 2, f"{kind}/*": 1, "*/*": 0}.get(media)
        if specificity is None or specificity < best[0]:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        best = (specificity, q)
    return best[1]


def wants_csv(accept: str | None) -> bool:
    """JSON unless the client prefers text/csv (`Accept: text/csv`)."""
    if not accept:
        return False
    return _quality(accept, "text/csv") > _quality(accept, "application/json")


@dataclass
class AuditEntry:
    id: str
    timestamp: datetime
    user_id: str | None
    user_email: str | None
    tenant_id: str
    action: str
    resource_type: str
    resource_id: str | None
    message: str

    def to_api(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "timestamp": iso(self.timestamp),
            "userId": self.user_id,
            "userEmail": self.user_email,
            "tenantId": self.tenant_id,
            "action": self.action,
            "resourceType": self.resource_type,
            "resourceId": self.resource_id,
            "message": self.message,
        }


@dataclass
class AuditStore:
    #: tenant id -> entries, oldest first (bounded)
    entries: dict[str, list[AuditEntry]] = field(default_factory=dict)


class AuditBackend:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        sim.bus.subscribe(ResourceChanged, self._on_change)

    @property
    def store(self) -> AuditStore:
        return self.sim.state.audit

    def _on_change(self, change: ResourceChanged) -> None:
        action, phrase = describe_operation(change.action)
        who = f"User {change.actor_email}" if change.actor_email else "Application"
        target = f" (ID {change.resource_id})" if change.resource_id else ""
        entry = AuditEntry(
            id=self.sim.random.uuid(),
            timestamp=self.sim.clock.now(),
            user_id=change.actor_id,
            user_email=change.actor_email,
            tenant_id=change.tenant_id,
            action=action,
            resource_type=change.resource_type,
            resource_id=change.resource_id,
            message=f"{who} (ID {change.actor_id}) {phrase}{target} in tenant (ID {change.tenant_id}).",
        )
        entries = self.store.entries.setdefault(change.tenant_id, [])
        entries.append(entry)
        if len(entries) > MAX_ENTRIES_PER_TENANT * 1.1:  # trim in chunks: amortised O(1) per entry
            del entries[: len(entries) - MAX_ENTRIES_PER_TENANT]

    def list_audit_logs(self, tenant_id: str) -> list[AuditEntry]:
        """Newest first."""
        return list(reversed(self.store.entries.get(tenant_id, [])))

    def audit_logs_csv(self, tenant_id: str) -> str:
        """Every entry of the tenant, newest first; the first line names the columns."""
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for entry in self.list_audit_logs(tenant_id):
            writer.writerow(entry.to_api())
        return out.getvalue()
