"""Who may touch what, for the account endpoints: the path's tenant and user must be the caller's own."""

from __future__ import annotations

from simulator.api.call import Call
from simulator.core.errors import Forbidden, not_found


def path_tenant(call: Call) -> str:
    """`/tenants/{tenantId}/...` only reaches the token's tenant; any other tenant does not exist (facts I.25)."""
    tenant_id = str(call.path["tenantId"])
    if tenant_id != call.tenant_id:
        raise not_found("Tenant", tenant_id)
    return tenant_id


def human(call: Call) -> str:
    """The calling user's id; application (service-account) tokens are refused."""
    principal = call.principal
    if principal is None or principal.user_id is None:
        raise Forbidden("User is not permitted to access this resource", code="ID_FORBIDDEN")
    return principal.user_id


def path_user_is_caller(call: Call) -> str:
    """`/users/{userId}/...` is self-service: a user reads and changes only their own data."""
    user_id = human(call)
    if str(call.path["userId"]) != user_id:
        raise Forbidden("User is not permitted to access this resource", code="ID_FORBIDDEN")
    return user_id


def application_client(call: Call, *, tenant_bound: bool) -> str:
    """application-info takes client-credentials tokens only: unbound for listings, bound for the installation."""
    principal = call.principal
    if principal is None or principal.user_id is not None:
        raise Forbidden("Only an application's client-credentials token may call this", code="ID_FORBIDDEN")
    if tenant_bound and principal.tenant_id is None:
        raise Forbidden("This needs a client-credentials token bound to a tenant (send the tenant header)")
    if not tenant_bound and principal.tenant_id is not None:
        raise Forbidden("This needs a client-credentials token without a tenant (omit the tenant header)")
    return principal.client_id


def tenant_and_app(call: Call) -> tuple[str, str]:
    """(token tenant, path applicationId): every application operation is scoped to the caller's tenant."""
    return call.tenant_id, str(call.path["applicationId"])
