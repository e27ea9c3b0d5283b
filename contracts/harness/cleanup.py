"""Delete what a run created: first from its ledger, then anything else carrying its name prefix.

Runs at the end of every run (also after failures and interruptions) and for
`--cleanup RUN_ID`. Cleanup requests are rate-limited but not counted against the budget: a run
that used up its budget must still be able to undo itself.
"""

from __future__ import annotations

from typing import Any

import httpx

from contracts import spec
from contracts.harness.ledger import Ledger
from contracts.harness.report import Report
from contracts.harness.resources import Request, Resource
from contracts.harness.target import Target

GONE = (404, 410)
SWEEP_PAGES = 10
SWEEP_PAGE_SIZE = 100


def _name(item: Any) -> str | None:
    if not isinstance(item, dict):
        return None
    name = item.get("name")
    if name is None and isinstance(item.get("info"), dict):
        name = item["info"].get("name")
    return name if isinstance(name, str) else None


def _delete(target: Target, ledger: Ledger, path: str, report: Report) -> None:
    try:
        response = target.wire.client.delete(
            target.root_url + path, headers=target.headers(), timeout=target.options.timeout
        )
        status: int | None = response.status_code
    except httpx.HTTPError as error:
        report.note(f"cleanup of {path} failed: {error}")
        status = None
    if status is not None and (200 <= status < 300 or status in GONE):
        ledger.deleted(path)
        report.cleanup.deleted.append(path)
    elif path not in report.cleanup.left:
        report.cleanup.left.append(path)


def _listing(target: Target, resource: Resource) -> str | None:
    """The GET list operation on the collection a top-level create posts to."""
    create = spec.operation(resource.create)
    if "{" in create.path:
        return None
    found = target.wire.contract.match("GET", create.full_path)
    if found is None or found[0].operation_id in target.not_simulated:
        return None
    return found[0].full_path


def sweep(target: Target, ledger: Ledger, report: Report) -> list[str]:
    """Paths of listed resources whose name has the run prefix and that the ledger does not know."""
    contract = target.wire.contract
    known = {e.path for e in ledger.entries}
    found: list[str] = []
    for resource in contract.resources.values():
        listing = _listing(target, resource)
        if listing is None:
            continue
        for page in range(SWEEP_PAGES):
            try:
                response = target.wire.client.get(
                    target.root_url + listing,
                    params={"page": page, "pageSize": SWEEP_PAGE_SIZE},
                    headers=target.headers(),
                    timeout=target.options.timeout,
                )
                items = response.json().get("data") if response.status_code == 200 else None
            except (httpx.HTTPError, ValueError, AttributeError):
                items = None
            if not isinstance(items, list):
                break
            for item in items:
                name = _name(item)
                if not name or not name.startswith(ledger.prefix):
                    continue
                listed = Request({}, None, {})
                path = contract.resource_path(resource, listed, {"data": item}, {})
                if path and path not in known:
                    ledger.owned.update(contract.created_ids(resource.create, listed, {"data": item}, {}))
                    found.append(path)
                    known.add(path)
            if len(items) < SWEEP_PAGE_SIZE:
                break
    return found


def clean(target: Target, ledger: Ledger, report: Report) -> None:
    if not (target.credentials.token or target.credentials.client_id):
        return  # the run never got as far as authenticating, so it created nothing
    target.wire.exempt = report.cleaning = True
    try:
        for entry in ledger.pending():
            _delete(target, ledger, entry.path, report)
        for path in sweep(target, ledger, report):
            _delete(target, ledger, path, report)
    finally:
        target.wire.exempt = report.cleaning = False
