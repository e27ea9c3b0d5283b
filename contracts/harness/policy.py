"""Safe mode's one rule, checked on every request the harness sends (whatever part of it sends it).

Reads always pass. A write passes only when it cannot touch anything the run did not create:
every path id was handed out to this run, or it is a create of a resource the contract lets us
delete again (so cleanup can undo it). Everything else is refused before it leaves the process.
"""

from __future__ import annotations

from collections.abc import Set

from contracts.harness.resources import READ_METHODS, ContractMap

#: Writes that change nothing on the server side of the tenant (asking for a token).
HARMLESS_WRITES = frozenset({"createToken"})
#: The simulator's control calls the harness makes (tokens, the other tenant): test setup, not the API.
SIMULATOR_SETUP = frozenset({"/_sim/tokens", "/_sim/tenants"})


class SafetyPolicy:
    def __init__(self, contract: ContractMap, owned: Set[str], *, safe: bool) -> None:
        self.contract = contract
        self.owned = owned
        self.safe = safe

    def refusal(self, method: str, full_path: str) -> str | None:
        """Why safe mode will not send this request (None: it may be sent)."""
        if not self.safe or method.upper() in READ_METHODS or full_path in SIMULATOR_SETUP:
            return None
        found = self.contract.match(method, full_path)
        if found is None:
            return f"{method} {full_path} is no contract operation"
        operation, params = found
        if operation.operation_id in HARMLESS_WRITES:
            return None
        if params:
            foreign = sorted(v for v in params.values() if v not in self.owned)
            if foreign:
                return f"{operation.operation_id} targets {', '.join(foreign)}, which this run did not create"
            return None
        if operation.operation_id in self.contract.resources:
            return None
        return f"{operation.operation_id} is not a create of a resource the run can delete again"
