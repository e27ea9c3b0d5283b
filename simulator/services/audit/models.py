"""The tenant audit log: one entry per successful change (facts A.22 #154, D.18, I.28).

Backends announce each change as `ResourceChanged` on the bus (`core.changes.records_change`),
whatever surface asked for it; this backend only listens, so no other area has to know the
audit log exists. The actor comes with the event: the HTTP caller, a scenario, or the
simulator itself for in-process calls.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from contracts import spec
from simulator.core.clock import iso
from simulator.core.events import ResourceChanged
from simulator.services.backend import Backend

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


@functools.cache
def resource_type(operation_id: str) -> str:
    """The API area of an operation (its contract tag), as the audit entry names it."""
    return spec.operation(operation_id).tag or ""


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


class AuditBackend(Backend[AuditStore]):
    store_field = "audit"

    def __init__(self, sim: Simulator) -> None:
        super().__init__(sim)
        sim.bus.subscribe(ResourceChanged, self._on_change)

    def _on_change(self, change: ResourceChanged) -> None:
        """Kept in the log of the tenant the actor acts in (a token's), else where the change happened."""
        actor = change.actor
        tenant_id = actor.tenant_id or change.tenant_id
        if not tenant_id:
            return  # e.g. a tenant created by in-process code: no tenant's log to keep it in
        action, phrase = describe_operation(change.action)
        target = f" (ID {change.resource_id})" if change.resource_id else ""
        entry = AuditEntry(
            id=self.sim.random.uuid(),
            timestamp=self.sim.clock.now(),
            user_id=actor.id,
            user_email=actor.email,
            tenant_id=tenant_id,
            action=action,
            resource_type=resource_type(change.action),
            resource_id=change.resource_id,
            message=f"{actor.describe()} {phrase}{target} in tenant (ID {tenant_id}).",
        )
        entries = self.store.entries.setdefault(tenant_id, [])
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
