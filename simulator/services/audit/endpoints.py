"""HTTP endpoint of the audit log (paged JSON, or every entry as CSV)."""

from __future__ import annotations

from operator import methodcaller

from starlette.responses import Response

from simulator.api.call import Call
from simulator.api.operations import operation
from simulator.api.responses import paged
from simulator.services.audit.models import wants_csv


@operation("listAuditLogs")
async def list_audit_logs(call: Call) -> Response:
    backend = call.sim.audit
    if wants_csv(call.request.headers.get("accept")):
        headers = {"Content-Disposition": 'attachment; filename="audit-log.csv"'}
        return Response(backend.audit_logs_csv(call.tenant_id), media_type="text/csv", headers=headers)
    return paged(backend.list_audit_logs(call.tenant_id), call.page, call.page_size, methodcaller("to_api"))
